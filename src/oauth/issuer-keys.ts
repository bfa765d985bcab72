import { createRemoteJWKSet, customFetch, errors, type JWTVerifyGetKey } from "jose";
import type { AuthorizationServer } from "../db/oauth";

/**
 * An authorization server's signing keys could not be had (its metadata or key set did not answer, or answered
 * nonsense). Verification fails closed on it: the token is refused, never let through.
 */
export class IssuerUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "IssuerUnavailable";
  }
}

/** How long a fetch of metadata or keys may take. */
const TIMEOUT_MS = 5_000;
/** How long fetched keys and discovered metadata are reused by an isolate. */
const KEYS_MAX_AGE_MS = 10 * 60_000;
/** An unknown `kid` refetches the key set (a rotation), at most this often. */
const REFETCH_COOLDOWN_MS = 30_000;
const MAX_ENTRIES = 1_000;

const keySets = new Map<string, JWTVerifyGetKey>();
const discovered = new Map<string, { jwks_uri: string; expires: number }>();

/**
 * The key lookup `jwtVerify` takes for one authorization server: its JWKS (the configured `jwks_uri`, else the one
 * its metadata names), fetched and cached per isolate for 10 minutes and refetched when a token names a key it
 * lacks (at most every 30 s). Any failure to get the keys throws {@link IssuerUnavailable}; a key set without the
 * token's key throws jose's `JWKSNoMatchingKey`.
 */
export function issuerKeys(server: AuthorizationServer): JWTVerifyGetKey {
  return async function keyOfIssuer(header, token) {
    const jwks_uri = server.jwks_uri ?? (await discoverJwksUri(server.issuer));
    const keys = remember(keySets, jwks_uri, () =>
      createRemoteJWKSet(new URL(jwks_uri), {
        timeoutDuration: TIMEOUT_MS,
        cacheMaxAge: KEYS_MAX_AGE_MS,
        cooldownDuration: REFETCH_COOLDOWN_MS,
        // The global fetch read at each fetch, not when the key set was made: it may outlive the request that made it.
        [customFetch]: (url: string, init: RequestInit) => fetch(url, init),
      }),
    );
    try {
      return await keys(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new IssuerUnavailable(`the key set at ${jwks_uri} could not be fetched or read`, { cause: error });
    }
  };
}

/**
 * The `jwks_uri` an issuer's metadata names: RFC 8414 (`/.well-known/oauth-authorization-server` inserted before
 * the issuer's path), then OpenID Connect discovery (inserted, then appended). The metadata's `issuer` must be the
 * issuer itself (RFC 8414 §3.3), or it is not believed.
 */
async function discoverJwksUri(issuer: string): Promise<string> {
  const now = Date.now();
  const hit = discovered.get(issuer);
  if (hit && hit.expires > now) return hit.jwks_uri;
  const url = new URL(issuer);
  const path = url.pathname === "/" ? "" : url.pathname.replace(/\/$/, "");
  const candidates = [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    ...(path ? [`${url.origin}/.well-known/openid-configuration${path}`] : []),
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
  const problems: string[] = [];
  for (const candidate of candidates) {
    let metadata: unknown;
    try {
      const response = await fetch(candidate, {
        headers: { accept: "application/json" },
        redirect: "manual",
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        problems.push(`${candidate}: HTTP ${response.status}`);
        continue;
      }
      metadata = await response.json();
    } catch (error) {
      throw new IssuerUnavailable(`the metadata at ${candidate} could not be fetched`, { cause: error });
    }
    const named = metadata as { issuer?: unknown; jwks_uri?: unknown } | null;
    if (named?.issuer !== issuer || typeof named.jwks_uri !== "string" || !/^https?:\/\//.test(named.jwks_uri))
      throw new IssuerUnavailable(`the metadata at ${candidate} does not name this issuer and an http(s) jwks_uri`);
    put(discovered, issuer, { jwks_uri: named.jwks_uri, expires: now + KEYS_MAX_AGE_MS });
    return named.jwks_uri;
  }
  throw new IssuerUnavailable(`the issuer publishes no metadata (${problems.join("; ")})`);
}

/** The map's entry for `key`, made by `make` when absent. */
function remember<V>(map: Map<string, V>, key: string, make: () => V): V {
  const hit = map.get(key);
  if (hit !== undefined) return hit;
  const made = make();
  put(map, key, made);
  return made;
}

/** Sets an entry; the oldest goes when the map is full, so an isolate's memory stays bounded. */
function put<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= MAX_ENTRIES && !map.has(key)) map.delete(map.keys().next().value!);
  map.set(key, value);
}

import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import type { AuthorizationServer } from "../db/oauth";
import { IssuerUnavailable } from "./issuer-keys";

/** Why an access token was refused; `issuer_unavailable` is the one a retry may cure. */
export type TokenRefusal =
  "invalid_token" | "token_expired" | "wrong_audience" | "unknown_issuer" | "unknown_client" | "issuer_unavailable";

/** What a verified access token says: who issued it, about whom, to which client, until when. */
export interface VerifiedToken {
  issuer: string;
  subject: string;
  /** The person the agent acts for: the tenant's person claim, else `email`, else `sub`. */
  person: string;
  /** `client_id` (RFC 9068), else `azp` (OpenID Connect). */
  client_id: string;
  /** `exp`, in milliseconds since the epoch. */
  expires_at_ms: number;
}

/** A token verified, or refused with its reason and a sentence for the caller (never the token's contents). */
export type TokenVerification =
  { ok: true; token: VerifiedToken } | { ok: false; reason: TokenRefusal; message: string };

/** What verifying a token for one tenant's endpoint needs. */
export interface TokenVerifier {
  /** The resource URI of the endpoint called: the audience the token must carry. */
  resource: string;
  /** The tenant's authorization servers. */
  servers: AuthorizationServer[];
  /** One server's key lookup (src/oauth/issuer-keys.ts). */
  keys: (server: AuthorizationServer) => JWTVerifyGetKey;
  now?: Date;
}

/** How far `exp` and `nbf` may be off between the issuer's clock and ours. */
export const CLOCK_TOLERANCE_SECONDS = 30;
/** The longest access token read. */
export const MAX_TOKEN_CHARS = 16_384;

/**
 * Verifies a JWT access token for one tenant's endpoint: `iss` must be one of the tenant's authorization servers
 * exactly, the header's `alg` one that server allows, the signature good under a key of its JWKS, `aud` the
 * endpoint's resource URI (RFC 8707), `exp` in the future and `nbf` (if any) in the past within
 * {@link CLOCK_TOLERANCE_SECONDS}, and `sub`, the person and the client present. A key set that cannot be fetched
 * refuses the token (`issuer_unavailable`): it never lets one through.
 */
export async function verifyAccessToken(jwt: string, verifier: TokenVerifier): Promise<TokenVerification> {
  const refuse = (reason: TokenRefusal, message: string): TokenVerification => ({ ok: false, reason, message });
  if (jwt.length > MAX_TOKEN_CHARS)
    return refuse("invalid_token", `The access token is longer than ${MAX_TOKEN_CHARS} characters.`);
  let alg: unknown;
  let issuer: unknown;
  try {
    alg = decodeProtectedHeader(jwt).alg;
    issuer = decodeJwt(jwt).iss;
  } catch {
    return refuse("invalid_token", "The access token is not a well-formed JWT.");
  }
  const server = verifier.servers.find((s) => s.issuer === issuer);
  if (!server)
    return refuse("unknown_issuer", "The access token's issuer is not an authorization server of this tenant.");
  if (typeof alg !== "string" || !(server.algorithms as string[]).includes(alg))
    return refuse("invalid_token", `The access token's algorithm is not one this tenant accepts from its issuer.`);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(jwt, verifier.keys(server), {
      issuer: server.issuer,
      audience: verifier.resource,
      algorithms: server.algorithms,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ["exp", "sub"],
      ...(verifier.now ? { currentDate: verifier.now } : {}),
    }));
  } catch (error) {
    return refusalOf(error, verifier.resource);
  }
  const person = personOf(payload, server.person_claim);
  if (person === null)
    return refuse(
      "invalid_token",
      `The access token names no person (claim ${server.person_claim ?? "email or sub"} is missing or not a string).`,
    );
  const client_id = stringClaim(payload.client_id) ?? stringClaim(payload.azp);
  if (client_id === null) return refuse("unknown_client", "The access token names no client (client_id or azp).");
  return {
    ok: true,
    token: { issuer: server.issuer, subject: payload.sub!, person, client_id, expires_at_ms: payload.exp! * 1000 },
  };
}

/** The refusal a failed `jwtVerify` means. */
function refusalOf(error: unknown, resource: string): TokenVerification {
  const refuse = (reason: TokenRefusal, message: string): TokenVerification => ({ ok: false, reason, message });
  if (error instanceof IssuerUnavailable)
    return refuse(
      "issuer_unavailable",
      "The tenant's authorization server did not give its signing keys; the token was not accepted. Try again shortly.",
    );
  if (error instanceof errors.JWTExpired)
    return refuse("token_expired", "The access token has expired; get a new one.");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "aud")
      return refuse("wrong_audience", `The access token is not for this endpoint: its audience must be ${resource}.`);
    if (error.claim === "nbf") return refuse("invalid_token", "The access token is not valid yet (nbf).");
    return refuse("invalid_token", `The access token's ${error.claim} claim is missing or wrong.`);
  }
  if (error instanceof errors.JWKSNoMatchingKey)
    return refuse("invalid_token", "No signing key of the issuer matches the access token.");
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return refuse("invalid_token", "The access token's signature does not verify.");
  return refuse("invalid_token", "The access token could not be verified.");
}

/** The person a token names: the configured claim, else `email`, else `sub`; null when that is not a string. */
function personOf(payload: JWTPayload, claim: string | null): string | null {
  if (claim !== null) return stringClaim(payload[claim]);
  return stringClaim(payload.email) ?? stringClaim(payload.sub);
}

function stringClaim(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 && value.length <= 320 ? value : null;
}

import type { Principal } from "../db/tenancy";

/** How long a verified key's principal is reused by an isolate unless AUTH_CACHE_TTL_MS says otherwise. */
export const DEFAULT_AUTH_CACHE_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

const cache = new Map<string, { principal: Principal; expires: number }>();

/**
 * The principal verified for this cache key (an API key's hash, or `token:<tenant>:<hash>` for an access token) within
 * its TTL, if any. Only successful lookups are cached.
 */
export function cachedPrincipal(key_hash: string, now: number): Principal | undefined {
  const hit = cache.get(key_hash);
  if (!hit) return undefined;
  if (hit.expires > now) return hit.principal;
  cache.delete(key_hash);
  return undefined;
}

/** Remembers a verified principal for `ttl_ms`. */
export function rememberPrincipal(key_hash: string, principal: Principal, now: number, ttl_ms: number): void {
  if (ttl_ms <= 0) return;
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(key_hash, { principal, expires: now + ttl_ms });
}

/**
 * Forgets every cached principal in this isolate. The admin API calls it after any change to tenants, agents,
 * keys or policies, so the isolate that made a change applies it at once; other isolates within the TTL.
 */
export function forgetPrincipals(): void {
  cache.clear();
}

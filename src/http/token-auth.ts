import { authorizationServers, principalForClient } from "../db/oauth";
import { hashApiKey, type Principal } from "../db/tenancy";
import { issuerKeys } from "../oauth/issuer-keys";
import { resourceUri } from "../oauth/resource";
import { verifyAccessToken, type TokenRefusal } from "../oauth/verify-token";
import { cachedPrincipal, rememberPrincipal } from "./principal-cache";

/** Why a token gave no principal, with a sentence for the caller. `agent_suspended`: the client's agent is. */
export interface TokenAuthRefusal {
  reason: TokenRefusal | "agent_suspended";
  message: string;
}

/**
 * The principal an access token presented at a tenant's endpoint stands for: the agent its client is, acting for
 * the person it names, with `proof: { via: "token", … }`. A verified principal is reused by this isolate for at most
 * `cache_ttl_ms` and never past the token's `exp`, keyed by the tenant and the token's hash.
 */
export async function principalForToken(
  db: D1Database,
  jwt: string,
  endpoint: { url: string; tenant_id: string },
  cache_ttl_ms: number,
  now = Date.now(),
): Promise<Principal | TokenAuthRefusal> {
  const cacheKey = `token:${endpoint.tenant_id}:${await hashApiKey(jwt)}`;
  const cached = cachedPrincipal(cacheKey, now);
  if (cached) return cached;
  const verified = await verifyAccessToken(jwt, {
    resource: resourceUri(endpoint.url, endpoint.tenant_id),
    servers: await authorizationServers(db, endpoint.tenant_id),
    keys: issuerKeys,
    now: new Date(now),
  });
  if (!verified.ok) return { reason: verified.reason, message: verified.message };
  const { token } = verified;
  const found = await principalForClient(db, endpoint.tenant_id, token.client_id);
  if (found === "unknown_client")
    return { reason: "unknown_client", message: "The access token's client is not an agent of this tenant." };
  if (found === "agent_suspended")
    return {
      reason: "agent_suspended",
      message: "This agent is suspended; its calls are refused until an operator re-activates it.",
    };
  const principal: Principal = {
    ...found,
    proof: {
      via: "token",
      issuer: token.issuer,
      subject: token.subject,
      person: token.person,
      client_id: token.client_id,
    },
  };
  rememberPrincipal(cacheKey, principal, now, Math.min(cache_ttl_ms, token.expires_at_ms - now));
  return principal;
}

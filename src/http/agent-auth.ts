import type { MiddlewareHandler } from "hono";
import { hashApiKey, principalForKeyHash, type KeyRefusal, type Principal } from "../db/tenancy";
import { LOCAL_DEFAULTS, isLocal, type Env } from "../env";
import { looksLikeJwt } from "../oauth/jwt-shape";
import { resourceMetadataUrl, tenantMcpPath } from "../oauth/resource";
import { jsonRpcError } from "./errors";
import { cachedPrincipal, DEFAULT_AUTH_CACHE_TTL_MS, rememberPrincipal } from "./principal-cache";
import { principalForToken, type TokenAuthRefusal } from "./token-auth";

const KEY_REFUSALS: Record<KeyRefusal, string> = {
  missing_key: "Send your Policy OS API key as 'Authorization: Bearer <key>'.",
  unknown_key: "This API key is not known to Policy OS.",
  revoked_key: "This API key has been revoked; ask an operator for a new one.",
  agent_suspended: "This agent is suspended; its calls are refused until an operator re-activates it.",
};

type Refusal = { reason: string; message: string };

let demoKeyHash: Promise<string> | undefined;

function authCacheTtl(env: Env): number {
  const configured = Number(env.AUTH_CACHE_TTL_MS);
  return env.AUTH_CACHE_TTL_MS !== undefined && Number.isFinite(configured) ? configured : DEFAULT_AUTH_CACHE_TTL_MS;
}

/**
 * Authenticates an agent by its API key, or at a tenant's endpoint (a route with a `:tenant` parameter,
 * `/t/:tenant/mcp`) by an OAuth access token of that tenant (docs/oauth.md); a tenant's endpoint takes only that
 * tenant's keys, and its challenges name its protected resource metadata. Sets `principal`
 * with its proof (`{ via: "key" }` or `{ via: "token", … }`). A verified key's principal (agent,
 * tenant, policy snapshot hash) is reused by this isolate for AUTH_CACHE_TTL_MS (default 5 s; 0 reads D1 on every
 * call), so a revocation, suspension or policy change made elsewhere reaches this isolate within that time; a
 * token's, also never past its `exp`. Refusals are 401 with `WWW-Authenticate` and a JSON-RPC error body naming the
 * reason (503 `issuer_unavailable` when the issuer's keys cannot be had). The local demo key is refused outside
 * local dev.
 */
export function agentAuth(): MiddlewareHandler<{ Bindings: Env; Variables: { principal: Principal } }> {
  return async function agentAuth(c, next) {
    const tenant_id = c.req.param("tenant");
    const header = c.req.header("authorization") ?? "";
    const credential = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    let result: Principal | Refusal;
    if (credential === undefined)
      result = {
        reason: "missing_key",
        message: tenant_id
          ? "Send an access token of this tenant's authorization server, or a Policy OS API key, as 'Authorization: Bearer <token>'."
          : KEY_REFUSALS.missing_key,
      };
    else if (looksLikeJwt(credential))
      result = tenant_id
        ? await principalForToken(c.env.DB, credential, { url: c.req.url, tenant_id }, authCacheTtl(c.env))
        : {
            reason: "invalid_token",
            message: "Access tokens are accepted at a tenant's endpoint, /t/<tenant>/mcp; /mcp takes API keys.",
          };
    else {
      const found = await principalForKey(c.env, credential);
      result =
        typeof found === "string"
          ? { reason: found, message: KEY_REFUSALS[found] }
          : tenant_id !== undefined && found.tenant.id !== tenant_id
            ? { reason: "unknown_key", message: `This API key is not known to ${tenantMcpPath(tenant_id)}.` }
            : found;
    }
    if ("reason" in result) return refuse(c, result, tenant_id);
    c.set("principal", result);
    await next();
  };
}

/** The principal an API key stands for, with `proof: { via: "key" }`, or why it is refused. */
async function principalForKey(env: Env, key: string): Promise<Principal | KeyRefusal> {
  const keyHash = await hashApiKey(key);
  demoKeyHash ??= hashApiKey(LOCAL_DEFAULTS.demoAgentKey);
  if (keyHash === (await demoKeyHash) && !isLocal(env)) return "unknown_key";
  const now = Date.now();
  const cached = cachedPrincipal(keyHash, now);
  if (cached) return cached;
  // Only a fresh D1 read is remembered: a cache hit must not push the expiry out, or a busy agent's revocation would
  // never reach this isolate.
  const found = await principalForKeyHash(env.DB, keyHash);
  if (typeof found === "string") return found;
  const principal: Principal = { ...found, proof: { via: "key" } };
  rememberPrincipal(keyHash, principal, now, authCacheTtl(env));
  return principal;
}

/**
 * The refusal as the MCP authorization specification has it: 401 with a Bearer challenge (naming the tenant
 * endpoint's resource metadata there; `error="invalid_token"` when a credential was refused), or 503 when the
 * issuer's keys could not be had, which a new token would not cure.
 */
function refuse(
  c: Parameters<MiddlewareHandler>[0],
  refusal: Refusal | TokenAuthRefusal,
  tenant_id: string | undefined,
): Response {
  const body = jsonRpcError(-32001, refusal.message, { reason: refusal.reason });
  if (refusal.reason === "issuer_unavailable") {
    c.header("Retry-After", "5");
    return c.json(body, 503);
  }
  const metadata = tenant_id ? `, resource_metadata="${resourceMetadataUrl(c.req.url, tenant_id)}"` : "";
  const error =
    refusal.reason === "missing_key" ? "" : `, error="invalid_token", error_description="${refusal.reason}"`;
  c.header("WWW-Authenticate", `Bearer realm="policy-os"${metadata}${error}`);
  return c.json(body, 401);
}

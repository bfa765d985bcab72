import type { MiddlewareHandler } from "hono";
import { hashApiKey, principalForKeyHash, type KeyRefusal, type Principal } from "../db/tenancy";
import { LOCAL_DEFAULTS, isLocal, type Env } from "../env";
import { jsonRpcError } from "./errors";
import { cachedPrincipal, DEFAULT_AUTH_CACHE_TTL_MS, rememberPrincipal } from "./principal-cache";

const REFUSALS: Record<KeyRefusal, string> = {
  missing_key: "Send your Policy OS API key as 'Authorization: Bearer <key>'.",
  unknown_key: "This API key is not known to Policy OS.",
  revoked_key: "This API key has been revoked; ask an operator for a new one.",
  agent_suspended: "This agent is suspended; its calls are refused until an operator re-activates it.",
};

let demoKeyHash: Promise<string> | undefined;

function authCacheTtl(env: Env): number {
  const configured = Number(env.AUTH_CACHE_TTL_MS);
  return env.AUTH_CACHE_TTL_MS !== undefined && Number.isFinite(configured) ? configured : DEFAULT_AUTH_CACHE_TTL_MS;
}

/**
 * Authenticates an agent by its API key and sets `principal`. A verified key's principal (agent, tenant, policy
 * snapshot hash) is reused by this isolate for AUTH_CACHE_TTL_MS (default 5 s; 0 reads D1 on every call), so a
 * revocation, suspension or policy change made elsewhere reaches this isolate within that time. Refusals are 401 with `WWW-Authenticate`
 * and a JSON-RPC error body naming the reason. The documented local demo key is refused outside local dev.
 */
export function agentAuth(): MiddlewareHandler<{ Bindings: Env; Variables: { principal: Principal } }> {
  return async function agentAuth(c, next) {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    let result: Principal | KeyRefusal = "missing_key";
    if (match) {
      const keyHash = await hashApiKey(match[1]!);
      demoKeyHash ??= hashApiKey(LOCAL_DEFAULTS.demoAgentKey);
      const now = Date.now();
      const cached = cachedPrincipal(keyHash, now);
      if (keyHash === (await demoKeyHash) && !isLocal(c.env)) result = "unknown_key";
      else if (cached) result = cached;
      else {
        // Only a fresh D1 read is remembered: a cache hit must not push the expiry out, or a busy agent's
        // revocation would never reach this isolate.
        result = await principalForKeyHash(c.env.DB, keyHash);
        if (typeof result !== "string") rememberPrincipal(keyHash, result, now, authCacheTtl(c.env));
      }
    }
    if (typeof result === "string") {
      const error = result === "missing_key" ? "" : `, error="invalid_token", error_description="${result}"`;
      c.header("WWW-Authenticate", `Bearer realm="policy-os"${error}`);
      return c.json(jsonRpcError(-32001, REFUSALS[result], { reason: result }), 401);
    }
    c.set("principal", result);
    await next();
  };
}

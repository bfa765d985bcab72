import type { MiddlewareHandler } from "hono";
import { sha256Hex } from "../ledger";
import { LOCAL_DEFAULTS, isLocal, type Env } from "../env";
import { ApiError } from "../http/errors";

/**
 * Admin API authentication: `Authorization: Bearer <ADMIN_TOKEN>`. Under local dev the documented default
 * token works when none is set; anywhere else a token must be configured and must not be the default.
 */
export function adminAuth(): MiddlewareHandler<{ Bindings: Env }> {
  return async function adminAuth(c, next) {
    const configured = c.env.ADMIN_TOKEN || (isLocal(c.env) ? LOCAL_DEFAULTS.adminToken : undefined);
    if (!configured || (!isLocal(c.env) && configured === LOCAL_DEFAULTS.adminToken))
      throw new ApiError(503, "admin_not_configured", "Set the ADMIN_TOKEN secret to use the admin API.");
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
    // Comparing digests keeps the comparison's timing independent of the token's characters.
    if (!presented || (await sha256Hex(presented)) !== (await sha256Hex(configured))) {
      c.header("WWW-Authenticate", 'Bearer realm="policy-os-admin"');
      throw new ApiError(401, "unauthorized", "Send the admin token as 'Authorization: Bearer <ADMIN_TOKEN>'.");
    }
    await next();
  };
}

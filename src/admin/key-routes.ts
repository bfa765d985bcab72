import { Hono } from "hono";
import { z } from "zod";
import { issueKey, listAgents, revokeKey } from "../db/tenancy";
import { ApiError } from "../http/errors";
import { now, withTenant, type AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";
import { validate } from "./validate";

const revokeRequestSchema = z.union([
  withTenant.extend({ key: z.string().min(1) }),
  withTenant.extend({ prefix: z.string().min(4) }),
]);

/** The admin API's agent keys: issue one more (shown once), revoke by key or by prefix. */
export function keyAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.post("/agents/:id/keys", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    const agents = await listAgents(c.env.DB, tenant.id);
    if (!agents.some((a) => a.id === c.req.param("id")))
      throw new ApiError(404, "agent_not_found", `Tenant ${tenant.id} has no agent "${c.req.param("id")}".`);
    const api_key = await issueKey(c.env.DB, tenant.id, c.req.param("id"), now());
    return c.json({ agent_id: c.req.param("id"), api_key, note: "The API key is shown once; store it now." }, 201);
  });
  admin.post("/keys/revoke", validate("json", revokeRequestSchema), tenantScope({ fromBody: true }), async (c) => {
    const input = c.req.valid("json");
    const which = "key" in input ? { key: input.key } : { prefix: input.prefix };
    const revoked = await revokeKey(c.env.DB, c.get("tenant").id, which, now());
    if (revoked === 0) throw new ApiError(404, "key_not_found", "No active key of this tenant matches.");
    return c.json({ revoked });
  });

  return admin;
}

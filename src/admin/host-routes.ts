import { Hono } from "hono";
import { z } from "zod";
import type { Env } from "../env";
import { hostRegistryFor } from "../hosts";
import { ApiError } from "../http/errors";
import { withTenant, type AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";
import { validate } from "./validate";

const upstreamHostRequestSchema = withTenant.extend({
  id: z.string(),
  url: z.string(),
  auth_secret: z.string().optional(),
  auth_header: z.string().optional(),
  timeout_ms: z.number().int().min(100).max(60_000).optional(),
  label: z.string().max(200).optional(),
});

const hostsOf = (env: Env) => hostRegistryFor(env);

/** The admin API's hosts: the tenant's tool catalog, registering an upstream MCP host, removing a host. */
export function hostAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.get("/hosts", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    return c.json({ tenant: tenant.id, tools: await hostsOf(c.env).catalog(tenant.id) });
  });
  admin.post("/hosts", validate("json", upstreamHostRequestSchema), tenantScope({ fromBody: true }), async (c) => {
    const { tenant: _, ...host } = c.req.valid("json");
    const result = await hostsOf(c.env).registerUpstreamHost(c.get("tenant").id, host);
    if (!result.ok) throw new ApiError(400, result.error.code, result.error.message);
    return c.json(result, 201);
  });
  admin.delete("/hosts/:id", tenantScope(), async (c) => {
    if (!(await hostsOf(c.env).removeHost(c.get("tenant").id, c.req.param("id"))))
      throw new ApiError(404, "host_not_found", "No such host.");
    return c.json({ removed: c.req.param("id") });
  });

  return admin;
}

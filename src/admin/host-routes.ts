import { Hono, type Context } from "hono";
import { z } from "zod";
import type { Env } from "../env";
import { CircuitSettingsSchema, hostHealthFor, hostRegistryFor } from "../hosts";
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
  circuit: CircuitSettingsSchema.optional(),
});

const hostsOf = (env: Env) => hostRegistryFor(env);
const healthOf = (c: Pick<Context<AdminEnv>, "env" | "executionCtx">) =>
  hostHealthFor(c.env, (work) => c.executionCtx.waitUntil(work));

/** The admin API's hosts: the tenant's hosts with their health and its tool catalog, registering an upstream MCP host, removing a host. */
export function hostAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.get("/hosts", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    const registry = hostsOf(c.env);
    const [tools, hosts] = await Promise.all([registry.catalog(tenant.id), registry.listHosts(tenant.id)]);
    const health = await healthOf(c).figures(
      tenant.id,
      hosts.map(({ id, circuit, timeout_ms }) => ({ id, timeout_ms, ...(circuit ? { circuit } : {}) })),
    );
    return c.json({ tenant: tenant.id, hosts: hosts.map((host) => ({ ...host, health: health[host.id] })), tools });
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
    // A host registered again under the same id starts with a closed circuit and an empty window.
    await healthOf(c).forget(c.get("tenant").id, c.req.param("id"));
    return c.json({ removed: c.req.param("id") });
  });

  return admin;
}

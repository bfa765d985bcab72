import { Hono } from "hono";
import { agentSettingsSchema, createAgent, listAgents, newAgentSchema, updateAgent } from "../db/tenancy";
import { ApiError } from "../http/errors";
import { now, withTenant, type AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";
import { validate } from "./validate";

/**
 * The admin API's agents: list a tenant's, create one with its first key, suspend or reactivate one, and say whom it
 * may act for and in which workspaces.
 */
export function agentAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.get("/agents", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    return c.json({ tenant: tenant.id, agents: await listAgents(c.env.DB, tenant.id) });
  });
  admin.post(
    "/agents",
    validate("json", newAgentSchema.extend(withTenant.shape)),
    tenantScope({ fromBody: true }),
    async (c) => {
      const { tenant: _, ...agent } = c.req.valid("json");
      const created = await createAgent(c.env.DB, c.get("tenant").id, agent, now());
      return c.json({ ...created, note: "The API key is shown once; store it now." }, 201);
    },
  );
  admin.patch(
    "/agents/:id",
    validate(
      "json",
      agentSettingsSchema
        .extend(withTenant.shape)
        .refine((body) => body.status ?? body.acts_for ?? body.workspaces, "Send status, acts_for or workspaces."),
    ),
    tenantScope({ fromBody: true }),
    async (c) => {
      const { tenant: _, ...settings } = c.req.valid("json");
      const tenant = c.get("tenant");
      const agent = await updateAgent(c.env.DB, tenant.id, c.req.param("id"), settings);
      if (!agent)
        throw new ApiError(404, "agent_not_found", `Tenant ${tenant.id} has no agent "${c.req.param("id")}".`);
      const { status, acts_for, workspaces } = agent;
      return c.json({ agent_id: agent.id, status, acts_for, workspaces });
    },
  );

  return admin;
}

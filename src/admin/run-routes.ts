import { Hono } from "hono";
import { z } from "zod";
import { getAgent } from "../db/tenancy";
import { runSigningKey } from "../env";
import { ApiError } from "../http/errors";
import { MAX_RUN_TTL_SECONDS, runIds } from "../runs/run-ids";
import { withTenant, type AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";
import { validate } from "./validate";

/** What minting a run for an agent takes (admin API). */
export const newRunSchema = withTenant.extend({
  agent_id: z.string().min(1).max(200).describe("The agent the run is for: only it may send the run id"),
  ttl_seconds: z
    .int()
    .min(60)
    .max(MAX_RUN_TTL_SECONDS)
    .optional()
    .describe("How long the run id is accepted (default a day, at most a week)"),
});

/**
 * The admin API's runs: `POST /runs` mints a run id for one of the tenant's active agents (what
 * `governance.start_run` gives an agent itself), for an orchestrator that starts runs on its agents' behalf.
 */
export function runAdminRoutes() {
  const admin = new Hono<AdminEnv>();
  admin.post("/runs", validate("json", newRunSchema), tenantScope({ fromBody: true }), async (c) => {
    const { agent_id, ttl_seconds } = c.req.valid("json");
    const tenant = c.get("tenant");
    const agent = await getAgent(c.env.DB, tenant.id, agent_id);
    if (!agent) throw new ApiError(404, "agent_not_found", `Tenant ${tenant.id} has no agent "${agent_id}".`);
    if (agent.status !== "active")
      throw new ApiError(409, "agent_suspended", `Agent ${agent_id} is suspended: its calls are refused anyway.`);
    const run = await runIds(runSigningKey(c.env)).mint({ tenant_id: tenant.id, agent_id }, new Date(), ttl_seconds);
    if (!run) throw new ApiError(503, "runs_not_configured", "Set the RUN_SIGNING_KEY secret to mint runs.");
    return c.json({ tenant: tenant.id, agent_id, ...run }, 201);
  });
  return admin;
}

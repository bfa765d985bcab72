import { Hono } from "hono";
import { listAuditRows } from "../db/audit";
import { listFeatureReads } from "../db/feature-reads";
import { limitOf, type AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";

/**
 * The admin API's audit log: `GET /admin/audit` lists the tenant's tools/call rows, filtered by tool, outcome, agent,
 * time; `GET /admin/audit/reads` its agents' resources/read and prompts/get, filtered by agent, method, outcome, time.
 */
export function auditAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.get("/audit", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    const rows = await listAuditRows(c.env.DB, tenant.id, {
      tool: c.req.query("tool"),
      outcome: c.req.query("outcome"),
      agent_id: c.req.query("agent"),
      before: c.req.query("before"),
      limit: limitOf(c, 50, 1000),
    });
    return c.json({ tenant: tenant.id, rows });
  });

  admin.get("/audit/reads", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    const reads = await listFeatureReads(c.env.DB, tenant.id, {
      agent_id: c.req.query("agent"),
      method: c.req.query("method"),
      outcome: c.req.query("outcome"),
      before: c.req.query("before"),
      limit: limitOf(c, 50, 1000),
    });
    return c.json({ tenant: tenant.id, reads });
  });

  return admin;
}

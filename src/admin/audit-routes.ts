import { Hono } from "hono";
import { listAuditRows } from "../db/audit";
import { limitOf, type AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";

/** The admin API's audit log: `GET /admin/audit` lists the tenant's rows, filtered by tool, outcome, agent, time. */
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

  return admin;
}

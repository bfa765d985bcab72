import { Hono } from "hono";
import { listEscalations } from "../approvals/escalations";
import { limitOf, type AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";

/** The admin API's escalations: `GET /admin/escalations?status=…&limit=…` lists the tenant's, newest first. */
export function escalationAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.get("/escalations", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    const escalations = await listEscalations(c.env.DB, tenant.id, {
      status: c.req.query("status"),
      limit: limitOf(c, 50, 500),
    });
    return c.json({ tenant: tenant.id, escalations });
  });

  return admin;
}

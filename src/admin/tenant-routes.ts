import { Hono } from "hono";
import { createTenant, listTenants, newTenantSchema, tenantSettingsSchema, updateTenant } from "../db/tenancy";
import { enableDemoHosts } from "../hosts";
import { ApiError } from "../http/errors";
import { now, type AdminEnv } from "./request";
import { validate } from "./validate";

/** The admin API's tenants: list them, create one (with demo hosts on request), change one's settings. */
export function tenantAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.get("/tenants", async (c) => c.json({ tenants: await listTenants(c.env.DB) }));
  admin.post("/tenants", validate("json", newTenantSchema), async (c) => {
    const input = c.req.valid("json");
    const tenant = await createTenant(c.env.DB, input, now());
    if (!tenant) throw new ApiError(409, "tenant_exists", `A tenant "${input.id}" already exists.`);
    if (input.demo_hosts) await enableDemoHosts(c.env.DB, tenant.id);
    return c.json({ tenant }, 201);
  });

  admin.patch("/tenants/:id", validate("json", tenantSettingsSchema), async (c) => {
    const tenant = await updateTenant(c.env.DB, c.req.param("id"), c.req.valid("json"));
    if (!tenant) throw new ApiError(404, "tenant_not_found", `No tenant "${c.req.param("id")}".`);
    return c.json({ tenant });
  });

  return admin;
}

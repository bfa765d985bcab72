import { Hono } from "hono";
import { z } from "zod";
import { currentPolicyRows, replacePolicyRows } from "../db/policies";
import { ApiError } from "../http/errors";
import { getConnection } from "../notion/connection";
import { now, withTenant, type AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";
import { validate } from "./validate";

const policyRowsSchema = withTenant.extend({ rows: z.array(z.unknown()).max(10_000) });

/** The admin API's policies: the rows in force, and replacing them all or nothing unless Notion holds them. */
export function policyAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.get("/policies", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    return c.json({
      tenant: tenant.id,
      snapshot: tenant.snapshot_hash,
      rows: await currentPolicyRows(c.env.DB, tenant),
    });
  });
  admin.put("/policies", validate("json", policyRowsSchema), tenantScope({ fromBody: true }), async (c) => {
    const { rows } = c.req.valid("json");
    const tenant = c.get("tenant");
    if (await getConnection(c.env.DB, tenant.id))
      throw new ApiError(
        409,
        "policies_from_notion",
        `Tenant ${tenant.id} takes its policies from Notion: edit the Policies database (the next sync applies it).`,
      );
    const result = await replacePolicyRows(c.env.DB, tenant, rows, now());
    if (!result.ok)
      throw new ApiError(422, "policy_rows_rejected", "Some rows are invalid; nothing was changed.", result.rejected);
    return c.json({ tenant: tenant.id, snapshot: result.snapshot.hash, rows: rows.length });
  });

  return admin;
}

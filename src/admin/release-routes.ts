import { Hono } from "hono";
import { z } from "zod";
import { currentPolicyRows, snapshotFor } from "../db/policies";
import { getRelease, listReleases, putReleaseSettings, releaseSettings } from "../db/releases";
import { ApiError } from "../http/errors";
import { compilePolicies } from "../policy";
import { acceptRelease } from "../release/accept";
import { checkCandidate } from "../release/check";
import { releaseDepsFor } from "../release/deps";
import { writeRollbackToNotion } from "./policy-routes";
import { limitOf, withTenant, type AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";
import { validate } from "./validate";

const acceptSchema = withTenant.extend({
  by: z
    .string()
    .trim()
    .min(1)
    .max(200)
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    .regex(/^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+$/, "printable characters only")
    .describe("Who accepts the release (a person's name or email)"),
  reason: z.string().trim().min(1).max(1000).describe("Why the change is accepted as it is"),
});

const checkSchema = withTenant.extend({
  rows: z.array(z.unknown()).max(10_000).optional().describe("Candidate rows; absent: the rows in force"),
});

const settingsSchema = withTenant.extend({
  retention_days: z.number().int().min(1).max(90).describe("Days decision inputs are kept"),
  replay_days: z.number().int().min(1).max(90).describe("Days of recorded calls a candidate is replayed against"),
  threshold_pct: z
    .number()
    .min(0)
    .max(100)
    .describe("Share of replayed calls a candidate may change before it is held"),
});

/**
 * The admin API's releases: each candidate snapshot's release (newest first, or one with its report), accepting a
 * held one, the same check as a dry run, and the tenant's release settings.
 */
export function releaseAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.get("/releases", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    return c.json({ tenant: tenant.id, releases: await listReleases(c.env.DB, tenant.id, limitOf(c, 50, 500)) });
  });

  admin.get("/releases/:id", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    const release = await getRelease(c.env.DB, tenant.id, c.req.param("id"));
    if (!release)
      throw new ApiError(404, "release_not_found", `Tenant ${tenant.id} has no release ${c.req.param("id")}.`);
    return c.json(release);
  });

  admin.post("/releases/:id/accept", validate("json", acceptSchema), tenantScope({ fromBody: true }), async (c) => {
    const tenant = c.get("tenant");
    const { by, reason } = c.req.valid("json");
    const accepted = await acceptRelease(releaseDepsFor(c.env, tenant.id), tenant, c.req.param("id"), { by, reason });
    if (!accepted.ok)
      throw new ApiError(accepted.code === "release_not_found" ? 404 : 409, accepted.code, accepted.message);
    const notion = accepted.release.source === "rollback" ? await writeRollbackToNotion(c.env, tenant.id) : null;
    return c.json({ ...accepted.release, ...(notion ? { notion } : {}) });
  });

  // A dry run: the candidate is checked like any other and nothing is recorded.
  admin.post(
    "/releases/check",
    validate("json", checkSchema, { optional: true }),
    tenantScope({ fromBody: true }),
    async (c) => {
      const tenant = c.get("tenant");
      const rows = c.req.valid("json").rows ?? (await currentPolicyRows(c.env.DB, tenant));
      const { snapshot, rejected } = await compilePolicies(rows, { posture: tenant.posture });
      if (rejected.length > 0)
        throw new ApiError(422, "policy_rows_rejected", "Some rows are invalid; nothing was checked.", rejected);
      const inForce = await snapshotFor(c.env.DB, tenant);
      const { report, promotion } = await checkCandidate(releaseDepsFor(c.env, tenant.id), tenant, inForce, snapshot);
      return c.json({
        tenant: tenant.id,
        snapshot: snapshot.hash,
        in_force: tenant.snapshot_hash,
        ...promotion,
        report,
      });
    },
  );

  admin.get("/release-settings", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    return c.json({ tenant: tenant.id, ...(await releaseSettings(c.env.DB, tenant.id)) });
  });

  admin.put("/release-settings", validate("json", settingsSchema), tenantScope({ fromBody: true }), async (c) => {
    const tenant = c.get("tenant");
    const { retention_days, replay_days, threshold_pct } = c.req.valid("json");
    await putReleaseSettings(c.env.DB, tenant.id, { retention_days, replay_days, threshold_pct });
    return c.json({ tenant: tenant.id, retention_days, replay_days, threshold_pct });
  });

  return admin;
}

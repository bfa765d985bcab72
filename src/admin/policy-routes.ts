import { Hono } from "hono";
import { z } from "zod";
import { currentPolicyRows, storedSnapshotRows } from "../db/policies";
import type { Tenant } from "../db/tenancy";
import type { Env } from "../env";
import { ApiError } from "../http/errors";
import { getConnection } from "../notion/connection";
import { requestSync } from "../notion/sync/sync.do";
import { compilePolicies, type PolicySnapshot } from "../policy";
import { proposeCandidate } from "../release/propose";
import type { ReleaseSource } from "../db/releases";
import { releaseDepsFor } from "../release/deps";
import { withTenant, type AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";
import { validate } from "./validate";

const policyRowsSchema = withTenant.extend({ rows: z.array(z.unknown()).max(10_000) });
const rollbackSchema = withTenant.extend({
  snapshot: z
    .string()
    .regex(/^sha256:[0-9a-f]{64}$/)
    .describe("An earlier snapshot of the tenant, `sha256:…`"),
});

/**
 * The admin API's policies: the rows in force; replacing them all or nothing unless Notion holds them; rolling back
 * to an earlier snapshot (for a tenant whose policies come from Notion, the rows are written back there). A new snapshot is a candidate: checked (golden tasks, replay) and recorded as a release,
 * in force only when the release goes live (docs/releases.md).
 */
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
    await refuseNotionTenant(c.env, tenant);
    const { snapshot, rejected } = await compilePolicies(rows, { posture: tenant.posture });
    if (rejected.length > 0)
      throw new ApiError(422, "policy_rows_rejected", "Some rows are invalid; nothing was changed.", rejected);
    return c.json(await propose(c.env, tenant, snapshot, rows, "admin"));
  });
  admin.post("/policies/rollback", validate("json", rollbackSchema), tenantScope({ fromBody: true }), async (c) => {
    const tenant = c.get("tenant");
    const hash = c.req.valid("json").snapshot;
    const rows = await storedSnapshotRows(c.env.DB, tenant.id, hash);
    if (!rows) throw new ApiError(404, "snapshot_not_found", `Tenant ${tenant.id} never had snapshot ${hash}.`);
    const { snapshot, rejected } = await compilePolicies(rows, { posture: tenant.posture });
    if (rejected.length > 0)
      throw new ApiError(422, "policy_rows_rejected", "That snapshot's rows no longer compile.", rejected);
    const proposed = await propose(c.env, tenant, snapshot, rows, "rollback");
    const notion = proposed.release?.status === "live" ? await writeRollbackToNotion(c.env, tenant.id) : null;
    return c.json({ ...proposed, ...(notion ? { notion } : {}) });
  });

  return admin;
}

async function refuseNotionTenant(env: Env, tenant: Tenant): Promise<void> {
  if (await getConnection(env.DB, tenant.id))
    throw new ApiError(
      409,
      "policies_from_notion",
      `Tenant ${tenant.id} takes its policies from Notion: edit the Policies database (the next sync applies it).`,
    );
}

/**
 * Proposes the candidate and answers what happened: `snapshot` is the candidate's hash, `release` its release
 * (null when it is the snapshot in force already), `in_force` the snapshot deciding calls now.
 */
async function propose(env: Env, tenant: Tenant, snapshot: PolicySnapshot, rows: unknown[], source: ReleaseSource) {
  const proposal = await proposeCandidate(releaseDepsFor(env, tenant.id), tenant, { snapshot, rows, source });
  if (proposal && proposal.statements.length > 0) await env.DB.batch(proposal.statements);
  const release = proposal?.release ?? null;
  const live = release === null || release.status === "live";
  return {
    tenant: tenant.id,
    snapshot: snapshot.hash,
    rows: rows.length,
    in_force: live ? snapshot.hash : tenant.snapshot_hash,
    release: release && {
      id: release.id,
      status: release.status,
      held_because: release.held_because,
      golden: release.golden,
      replay: release.replay,
    },
  };
}

/**
 * For a tenant whose policies come from Notion, runs a sync now: it writes the rollback in force back to the Policies
 * rows before reading them. Answers what it wrote, or why the rows wait for the next sync; null without Notion.
 */
export async function writeRollbackToNotion(env: Env, tenant_id: string) {
  if (!(await getConnection(env.DB, tenant_id))) return null;
  try {
    const report = await requestSync(env, tenant_id, { reason: "admin", sources: ["policies"] });
    const policies = report.sources.find((source) => source.source === "policies");
    if (policies?.error) return { rows: "pending" as const, error: policies.error };
    return { rows: "written" as const, ...(report.rollback ?? {}) };
  } catch (error) {
    return { rows: "pending" as const, error: error instanceof Error ? error.message : String(error) };
  }
}

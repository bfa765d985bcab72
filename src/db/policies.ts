import { compilePolicies, compileStoredPolicies, type PolicySnapshot, type RowRejection } from "../policy";
import type { Tenant } from "./tenancy";

/** Compiled snapshots by tenant, hash and posture: compiling is paid once per isolate, not per call. */
const compiled = new Map<string, Promise<PolicySnapshot>>();
const MAX_CACHED = 256;

/** The policy snapshot in force for a tenant (compiled once per isolate and snapshot hash). */
export function snapshotFor(db: D1Database, tenant: Tenant): Promise<PolicySnapshot> {
  const key = `${tenant.id}\n${tenant.snapshot_hash ?? "none"}\n${JSON.stringify(tenant.posture)}`;
  let snapshot = compiled.get(key);
  if (!snapshot) {
    // Rows were validated when stored; one this engine refuses still protects, through a fail-closed stand-in.
    snapshot = loadRows(db, tenant).then((rows) => compileStoredPolicies(rows, { posture: tenant.posture }));
    snapshot.catch(() => compiled.delete(key));
    if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, snapshot);
  }
  return snapshot;
}

async function loadRows(db: D1Database, tenant: Tenant): Promise<unknown[]> {
  if (!tenant.snapshot_hash) return [];
  const row = await db
    .prepare("SELECT rows FROM policy_snapshots WHERE tenant_id = ? AND hash = ?")
    .bind(tenant.id, tenant.snapshot_hash)
    .first<{ rows: string }>();
  if (!row) throw new Error(`policy snapshot ${tenant.snapshot_hash} of tenant ${tenant.id} is missing`);
  return JSON.parse(row.rows) as unknown[];
}

/** The rows behind the tenant's current snapshot (admin). */
export async function currentPolicyRows(db: D1Database, tenant: Tenant): Promise<unknown[]> {
  return loadRows(db, tenant);
}

/**
 * Replaces a tenant's policy rows. All or nothing: when any row is rejected nothing changes,
 * so a bad edit can never drop a rule that was protecting something.
 */
export async function replacePolicyRows(
  db: D1Database,
  tenant: Tenant,
  rows: unknown[],
  now: string,
): Promise<{ ok: true; snapshot: PolicySnapshot } | { ok: false; rejected: RowRejection[] }> {
  const { snapshot, rejected } = await compilePolicies(rows, { posture: tenant.posture });
  if (rejected.length > 0) return { ok: false, rejected };
  await db.batch(snapshotStatements(db, tenant.id, snapshot.hash, rows, now));
  return { ok: true, snapshot };
}

/** The statements that store a snapshot's rows (once per hash) and put it in force for the tenant. */
export function snapshotStatements(
  db: D1Database,
  tenant_id: string,
  hash: string,
  rows: unknown[],
  now: string,
): D1PreparedStatement[] {
  return [storeSnapshotStatement(db, tenant_id, hash, rows, now), inForceStatement(db, tenant_id, hash)];
}

/** The statement that stores a snapshot's rows (once per hash), without putting it in force: a held candidate. */
export function storeSnapshotStatement(
  db: D1Database,
  tenant_id: string,
  hash: string,
  rows: unknown[],
  now: string,
): D1PreparedStatement {
  return db
    .prepare(
      "INSERT INTO policy_snapshots (tenant_id, hash, rows, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(tenant_id, hash, JSON.stringify(rows), now);
}

/** The statement that puts a stored snapshot in force for the tenant. */
export function inForceStatement(db: D1Database, tenant_id: string, hash: string): D1PreparedStatement {
  return db.prepare("UPDATE tenants SET snapshot_hash = ? WHERE id = ?").bind(hash, tenant_id);
}

/** The rows of one of the tenant's stored snapshots (any it ever had), or null when it has none of that hash. */
export async function storedSnapshotRows(db: D1Database, tenant_id: string, hash: string): Promise<unknown[] | null> {
  const row = await db
    .prepare("SELECT rows FROM policy_snapshots WHERE tenant_id = ? AND hash = ?")
    .bind(tenant_id, hash)
    .first<{ rows: string }>();
  return row ? (JSON.parse(row.rows) as unknown[]) : null;
}

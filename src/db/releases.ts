/** Release records (`releases`) and each tenant's release settings (`release_settings`) in D1. */

/** Where a candidate snapshot came from. */
export type ReleaseSource = "admin" | "notion" | "rollback";

/** Whether a release's snapshot is in force: at once (`live`), waiting for a person (`held`), or after one. */
export type ReleaseStatus = "live" | "held" | "accepted" | "rejected" | "rolled_back";

/** A release as `GET /admin/releases` lists it. */
export interface ReleaseSummary {
  id: string;
  snapshot: string;
  status: ReleaseStatus;
  golden: { passed: number; failed: number };
  replay: { calls: number; changed: number; indeterminate: number };
  created_at: string;
}

/** A release with its details: where it came from, why it is held, who accepted it, and the full report. */
export interface Release extends ReleaseSummary {
  tenant_id: string;
  previous: string | null;
  source: ReleaseSource;
  held_because: string | null;
  decided_by: string | null;
  decided_reason: string | null;
  decided_at: string | null;
  /** Changed rows, golden results and replay impact (src/release/check.ts, ReleaseReport). */
  report: Record<string, unknown>;
}

/** A tenant's release settings. */
export interface ReleaseSettings {
  /** Days decision inputs are kept. */
  retention_days: number;
  /** Days of decision inputs a candidate is replayed against. */
  replay_days: number;
  /** Share of replayed calls, in percent, a candidate may change before it is held. */
  threshold_pct: number;
}

/** Seven days kept, seven replayed, 5% changed at most. */
export const DEFAULT_RELEASE_SETTINGS: ReleaseSettings = { retention_days: 7, replay_days: 7, threshold_pct: 5 };

interface StoredRelease {
  id: string;
  tenant_id: string;
  snapshot: string;
  previous: string | null;
  source: ReleaseSource;
  status: ReleaseStatus;
  report: string;
  golden_passed: number;
  golden_failed: number;
  replay_calls: number;
  replay_changed: number;
  replay_indeterminate: number;
  held_because: string | null;
  decided_by: string | null;
  decided_reason: string | null;
  decided_at: string | null;
  created_at: string;
}

function summaryOf(row: StoredRelease): ReleaseSummary {
  return {
    id: row.id,
    snapshot: row.snapshot,
    status: row.status,
    golden: { passed: row.golden_passed, failed: row.golden_failed },
    replay: { calls: row.replay_calls, changed: row.replay_changed, indeterminate: row.replay_indeterminate },
    created_at: row.created_at,
  };
}

/** The statement that records a release. */
export function insertReleaseStatement(db: D1Database, release: Release): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO releases (id, tenant_id, snapshot, previous, source, status, report, golden_passed, golden_failed,
         replay_calls, replay_changed, replay_indeterminate, held_because, decided_by, decided_reason, decided_at,
         created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      release.id,
      release.tenant_id,
      release.snapshot,
      release.previous,
      release.source,
      release.status,
      JSON.stringify(release.report),
      release.golden.passed,
      release.golden.failed,
      release.replay.calls,
      release.replay.changed,
      release.replay.indeterminate,
      release.held_because,
      release.decided_by,
      release.decided_reason,
      release.decided_at,
      release.created_at,
    );
}

/**
 * The statement that marks the tenant's held releases other than `except` as `rejected`: a newer candidate
 * replaces them (a manager fixed the rows instead of accepting).
 */
export function rejectHeldStatement(db: D1Database, tenant_id: string, except: string, now: string) {
  return db
    .prepare(
      `UPDATE releases SET status = 'rejected', decided_at = ?, decided_reason = 'a newer candidate replaced it'
        WHERE tenant_id = ? AND status = 'held' AND id <> ?`,
    )
    .bind(now, tenant_id, except);
}

/** The tenant's held release of `snapshot`, if there is one (a sync that reads the same held rows again finds it). */
export async function heldReleaseOf(db: D1Database, tenant_id: string, snapshot: string): Promise<string | null> {
  const row = await db
    .prepare("SELECT id FROM releases WHERE tenant_id = ? AND snapshot = ? AND status = 'held' LIMIT 1")
    .bind(tenant_id, snapshot)
    .first<{ id: string }>();
  return row?.id ?? null;
}

/** A tenant's releases, newest first, at most `limit`. */
export async function listReleases(db: D1Database, tenant_id: string, limit: number): Promise<ReleaseSummary[]> {
  const { results } = await db
    .prepare("SELECT * FROM releases WHERE tenant_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?")
    .bind(tenant_id, limit)
    .all<StoredRelease>();
  return results.map(summaryOf);
}

/** One of a tenant's releases with its details, or null. */
export async function getRelease(db: D1Database, tenant_id: string, id: string): Promise<Release | null> {
  const row = await db
    .prepare("SELECT * FROM releases WHERE tenant_id = ? AND id = ?")
    .bind(tenant_id, id)
    .first<StoredRelease>();
  if (!row) return null;
  return {
    ...summaryOf(row),
    tenant_id: row.tenant_id,
    previous: row.previous,
    source: row.source,
    held_because: row.held_because,
    decided_by: row.decided_by,
    decided_reason: row.decided_reason,
    decided_at: row.decided_at,
    report: JSON.parse(row.report) as Record<string, unknown>,
  };
}

/**
 * The statement that accepts a held release (who, why, when); it changes nothing unless the release is still held,
 * so two acceptances cannot both take effect.
 */
export function acceptReleaseStatement(
  db: D1Database,
  tenant_id: string,
  id: string,
  decision: { by: string; reason: string; at: string },
) {
  return db
    .prepare(
      `UPDATE releases SET status = 'accepted', decided_by = ?, decided_reason = ?, decided_at = ?
        WHERE tenant_id = ? AND id = ? AND status = 'held'`,
    )
    .bind(decision.by, decision.reason, decision.at, tenant_id, id);
}

/** The statement that marks the tenant's live or accepted release of `snapshot` as rolled back. */
export function rolledBackStatement(db: D1Database, tenant_id: string, snapshot: string, now: string) {
  return db
    .prepare(
      `UPDATE releases SET status = 'rolled_back', decided_at = ?
        WHERE tenant_id = ? AND snapshot = ? AND status IN ('live', 'accepted')`,
    )
    .bind(now, tenant_id, snapshot);
}

/** A tenant's release settings, the defaults where it set none. */
export async function releaseSettings(db: D1Database, tenant_id: string): Promise<ReleaseSettings> {
  const row = await db
    .prepare("SELECT retention_days, replay_days, threshold_pct FROM release_settings WHERE tenant_id = ?")
    .bind(tenant_id)
    .first<ReleaseSettings>();
  return row ?? DEFAULT_RELEASE_SETTINGS;
}

/** Sets a tenant's release settings. */
export async function putReleaseSettings(db: D1Database, tenant_id: string, settings: ReleaseSettings) {
  await db
    .prepare(
      `INSERT INTO release_settings (tenant_id, retention_days, replay_days, threshold_pct) VALUES (?, ?, ?, ?)
       ON CONFLICT (tenant_id) DO UPDATE SET retention_days = excluded.retention_days,
         replay_days = excluded.replay_days, threshold_pct = excluded.threshold_pct`,
    )
    .bind(tenant_id, settings.retention_days, settings.replay_days, settings.threshold_pct)
    .run();
}

import { countUnwrittenStatuses } from "./notion-rows";

/** Where a synced database's incremental sync resumes, and when it last read everything. */
export interface SyncCursor {
  cursor: string | null;
  full_at: string | null;
}

/** How one synced database's sync last went. */
export interface SourceSyncState extends SyncCursor {
  source: string;
  last_run_at: string | null;
  last_error: string | null;
}

/** Where the sync of one of the tenant's databases resumes (nulls before its first sync). */
export async function loadSyncCursor(db: D1Database, tenant_id: string, source: string): Promise<SyncCursor> {
  const row = await db
    .prepare("SELECT cursor, full_at FROM notion_sync_state WHERE tenant_id = ? AND source = ?")
    .bind(tenant_id, source)
    .first<SyncCursor>();
  return row ?? { cursor: null, full_at: null };
}

/** A synced database whose last `failures` syncs in a row failed (the incidents' "sync failing repeatedly"). */
export interface FailingSync {
  source: string;
  failures: number;
  last_error: string;
  last_run_at: string;
}

/** The tenant's databases whose sync failed at least `min_failures` times in a row, up to now. */
export async function failingSyncs(db: D1Database, tenant_id: string, min_failures: number): Promise<FailingSync[]> {
  const { results } = await db
    .prepare(
      `SELECT source, failures, last_error, last_run_at FROM notion_sync_state
        WHERE tenant_id = ? AND failures >= ? AND last_error IS NOT NULL ORDER BY source`,
    )
    .bind(tenant_id, min_failures)
    .all<FailingSync>();
  return results;
}

/**
 * The D1 statement that records how a database's sync went (and counts failures in a row): the cursor only moves forward, and only after a sync
 * that succeeded (`cursor` null leaves it); `full` records a full read at `now`.
 */
export function syncRunStatement(
  db: D1Database,
  tenant_id: string,
  source: string,
  result: { cursor: string | null; full: boolean; error: string | null },
  now: string,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO notion_sync_state (tenant_id, source, cursor, full_at, last_run_at, last_error, failures)
       VALUES (?, ?, ?, ?, ?, ?, CASE WHEN ?6 IS NULL THEN 0 ELSE 1 END)
       ON CONFLICT (tenant_id, source) DO UPDATE SET
         cursor = CASE WHEN excluded.cursor IS NOT NULL AND (cursor IS NULL OR excluded.cursor > cursor) THEN excluded.cursor ELSE cursor END,
         full_at = COALESCE(excluded.full_at, full_at), last_run_at = excluded.last_run_at, last_error = excluded.last_error,
         failures = CASE WHEN excluded.last_error IS NULL THEN 0 ELSE failures + 1 END`,
    )
    .bind(tenant_id, source, result.cursor, result.full ? now : null, now, result.error);
}

/** How each database's sync last went, and how many Sync status values wait to be written (admin). */
export async function syncState(
  db: D1Database,
  tenant_id: string,
): Promise<{ sources: SourceSyncState[]; statuses_pending: number }> {
  const { results } = await db
    .prepare(
      "SELECT source, cursor, full_at, last_run_at, last_error FROM notion_sync_state WHERE tenant_id = ? ORDER BY source",
    )
    .bind(tenant_id)
    .all<SourceSyncState>();
  return { sources: results, statuses_pending: await countUnwrittenStatuses(db, tenant_id) };
}

import type { SyncedSource } from "../connection";
import type { RowValues } from "./row-values";

/** What D1 keeps of one Notion row. */
export interface StoredRow {
  page_id: string;
  content_hash: string;
  last_edited_time: string;
  /** The last good version, in force; null when no version was ever good. */
  value: RowValues | null;
  /** What the row's Sync status should say, and what it says in Notion (as last read or written). */
  sync_status: string;
  written_status: string | null;
}

interface RowRecord extends Omit<StoredRow, "value"> {
  value: string | null;
}

/** The rows of one database the sync has read before, by page id. */
export async function loadRows(
  db: D1Database,
  tenant_id: string,
  source: SyncedSource,
): Promise<Map<string, StoredRow>> {
  const { results } = await db
    .prepare(
      "SELECT page_id, content_hash, last_edited_time, value, sync_status, written_status FROM notion_rows WHERE tenant_id = ? AND source = ?",
    )
    .bind(tenant_id, source)
    .all<RowRecord>();
  return new Map(
    results.map((row) => [row.page_id, { ...row, value: row.value ? (JSON.parse(row.value) as RowValues) : null }]),
  );
}

/** D1 statements that store rows read in this sync and forget rows gone from Notion. */
export function rowStatements(
  db: D1Database,
  tenant_id: string,
  source: SyncedSource,
  upserts: readonly StoredRow[],
  removed: readonly string[],
  now: string,
): D1PreparedStatement[] {
  const upsert = db.prepare(
    `INSERT INTO notion_rows (tenant_id, source, page_id, content_hash, last_edited_time, value, sync_status, written_status, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (tenant_id, page_id) DO UPDATE SET source = excluded.source, content_hash = excluded.content_hash,
       last_edited_time = excluded.last_edited_time, value = excluded.value, sync_status = excluded.sync_status,
       written_status = excluded.written_status, updated_at = excluded.updated_at`,
  );
  const remove = db.prepare("DELETE FROM notion_rows WHERE tenant_id = ? AND page_id = ?");
  return [
    ...upserts.map((row) =>
      upsert.bind(
        tenant_id,
        source,
        row.page_id,
        row.content_hash,
        row.last_edited_time,
        row.value ? JSON.stringify(row.value) : null,
        row.sync_status,
        row.written_status,
        now,
      ),
    ),
    ...removed.map((page_id) => remove.bind(tenant_id, page_id)),
  ];
}

/** Runs statements in D1 batches (each batch is one transaction). */
export async function runBatches(db: D1Database, statements: readonly D1PreparedStatement[], size = 100) {
  for (let i = 0; i < statements.length; i += size) await db.batch(statements.slice(i, i + size));
}

/** Where a database's incremental sync resumes. */
export interface SyncCursor {
  cursor: string | null;
  full_at: string | null;
}

export async function loadCursor(db: D1Database, tenant_id: string, source: SyncedSource): Promise<SyncCursor> {
  const row = await db
    .prepare("SELECT cursor, full_at FROM notion_sync_state WHERE tenant_id = ? AND source = ?")
    .bind(tenant_id, source)
    .first<SyncCursor>();
  return row ?? { cursor: null, full_at: null };
}

/** Records how a database's sync went; the cursor only moves forward, and only after a sync that succeeded. */
export function cursorStatement(
  db: D1Database,
  tenant_id: string,
  source: SyncedSource,
  result: { cursor: string | null; full: boolean; error: string | null },
  now: string,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO notion_sync_state (tenant_id, source, cursor, full_at, last_run_at, last_error) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant_id, source) DO UPDATE SET
         cursor = CASE WHEN excluded.cursor IS NOT NULL AND (cursor IS NULL OR excluded.cursor > cursor) THEN excluded.cursor ELSE cursor END,
         full_at = COALESCE(excluded.full_at, full_at), last_run_at = excluded.last_run_at, last_error = excluded.last_error`,
    )
    .bind(tenant_id, source, result.cursor, result.full ? now : null, now, result.error);
}

/** How each database's sync last went (admin). */
export async function syncState(db: D1Database, tenant_id: string) {
  const { results } = await db
    .prepare(
      "SELECT source, cursor, full_at, last_run_at, last_error FROM notion_sync_state WHERE tenant_id = ? ORDER BY source",
    )
    .bind(tenant_id)
    .all<{
      source: string;
      cursor: string | null;
      full_at: string | null;
      last_run_at: string | null;
      last_error: string | null;
    }>();
  const pending = await db
    .prepare(
      "SELECT COUNT(*) AS n FROM notion_rows WHERE tenant_id = ? AND (written_status IS NULL OR written_status != sync_status)",
    )
    .bind(tenant_id)
    .first<{ n: number }>();
  return { sources: results, statuses_pending: pending?.n ?? 0 };
}

/** What D1 keeps of one row of a synced Notion database; `V` is the row's values as the sync reads them. */
export interface NotionRow<V> {
  page_id: string;
  content_hash: string;
  last_edited_time: string;
  /** The last good version, in force; null when no version was ever good. */
  value: V | null;
  /** What the row's Sync status should say, and what it says in Notion (as last read or written). */
  sync_status: string;
  written_status: string | null;
}

/** A row whose Sync status Notion does not show yet: the status to write. */
export interface UnwrittenStatus {
  page_id: string;
  sync_status: string;
}

/** The rows of one synced database the sync has read before, by page id (`value` as it was stored). */
export async function notionRowsOf<V>(
  db: D1Database,
  tenant_id: string,
  source: string,
): Promise<Map<string, NotionRow<V>>> {
  const { results } = await db
    .prepare(
      "SELECT page_id, content_hash, last_edited_time, value, sync_status, written_status FROM notion_rows WHERE tenant_id = ? AND source = ?",
    )
    .bind(tenant_id, source)
    .all<Omit<NotionRow<V>, "value"> & { value: string | null }>();
  return new Map(
    results.map((row) => [row.page_id, { ...row, value: row.value ? (JSON.parse(row.value) as V) : null }]),
  );
}

/** D1 statements that store the rows one sync read (`value` as JSON) and forget the rows gone from Notion. */
export function notionRowStatements<V>(
  db: D1Database,
  tenant_id: string,
  source: string,
  upserts: readonly NotionRow<V>[],
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

/** The synced database a stored row came from, when the sync has read it. */
export async function notionRowSource(db: D1Database, tenant_id: string, page_id: string): Promise<string | null> {
  const row = await db
    .prepare("SELECT source FROM notion_rows WHERE tenant_id = ? AND page_id = ?")
    .bind(tenant_id, page_id)
    .first<{ source: string }>();
  return row?.source ?? null;
}

/** The Sync status values Notion does not show yet: refusals first (people need to see why), then the newest. */
export async function unwrittenStatuses(db: D1Database, tenant_id: string): Promise<UnwrittenStatus[]> {
  const { results } = await db
    .prepare(
      `SELECT page_id, sync_status FROM notion_rows
       WHERE tenant_id = ? AND (written_status IS NULL OR written_status != sync_status)
       ORDER BY (sync_status LIKE 'not applied%') DESC, updated_at DESC`,
    )
    .bind(tenant_id)
    .all<UnwrittenStatus>();
  return results;
}

/** How many Sync status values Notion does not show yet. */
export async function countUnwrittenStatuses(db: D1Database, tenant_id: string): Promise<number> {
  const row = await db
    .prepare(
      "SELECT COUNT(*) AS n FROM notion_rows WHERE tenant_id = ? AND (written_status IS NULL OR written_status != sync_status)",
    )
    .bind(tenant_id)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Records that Notion shows the status, unless the sync decided another one meanwhile. */
export async function markStatusWritten(db: D1Database, tenant_id: string, status: UnwrittenStatus): Promise<void> {
  await db
    .prepare("UPDATE notion_rows SET written_status = ? WHERE tenant_id = ? AND page_id = ? AND sync_status = ?")
    .bind(status.sync_status, tenant_id, status.page_id, status.sync_status)
    .run();
}

/** The Notion page of the tenant's Policies row with this Policy ID (null when the tenant's policies are not from Notion). */
export async function policyPageId(db: D1Database, tenant_id: string, policy_id: string): Promise<string | null> {
  const row = await db
    .prepare(
      `SELECT page_id FROM notion_rows
       WHERE tenant_id = ? AND source = 'policies' AND json_extract(value, '$."Policy ID"') = ? LIMIT 1`,
    )
    .bind(tenant_id, policy_id)
    .first<{ page_id: string }>();
  return row?.page_id ?? null;
}

/** What D1 keeps of each release's page in the tenant's Notion Releases database (`releases`, migration 0021). */
import { getRelease, type Release } from "./releases";

/** A release with what its page showed last. */
export interface ReleaseWithPage extends Release {
  notion_page_id: string | null;
  notion_page_url: string | null;
  /** The hash of what the page shows, as last written; null until it is written. */
  page_hash: string | null;
  page_attempted_at: string | null;
  /** Claude's summary ('' when Claude could not write one; null: not asked yet). */
  summary: string | null;
  /** The Notion user who accepted it on its page. */
  decided_by_user_id: string | null;
}

interface PageColumns {
  id: string;
  notion_page_id: string | null;
  notion_page_url: string | null;
  page_hash: string | null;
  page_attempted_at: string | null;
  summary: string | null;
  decided_by_user_id: string | null;
}

/**
 * The tenant's releases whose page may need writing, oldest first, at most `limit`: held ones, ones without a page,
 * and ones decided since their page was written (the caller compares hashes). Releases created before `since`
 * without a page are left.
 */
export async function releasesForPages(
  db: D1Database,
  tenant_id: string,
  since: string,
  limit: number,
): Promise<ReleaseWithPage[]> {
  const { results } = await db
    .prepare(
      `SELECT id, notion_page_id, notion_page_url, page_hash, page_attempted_at, summary, decided_by_user_id
         FROM releases
        WHERE tenant_id = ? AND (
          status = 'held'
          OR (notion_page_id IS NULL AND created_at >= ?)
          OR (notion_page_id IS NOT NULL AND decided_at > page_written_at))
        ORDER BY created_at, rowid LIMIT ?`,
    )
    .bind(tenant_id, since, limit)
    .all<PageColumns>();
  const releases = await Promise.all(
    results.map(async (row) => withPage(await getRelease(db, tenant_id, row.id), row)),
  );
  return releases.filter((release): release is ReleaseWithPage => release !== null);
}

/** The tenant's held releases that have a page (where a manager may have ticked Accept). */
export async function heldReleasePages(
  db: D1Database,
  tenant_id: string,
): Promise<{ id: string; notion_page_id: string }[]> {
  const { results } = await db
    .prepare(
      `SELECT id, notion_page_id FROM releases
        WHERE tenant_id = ? AND status = 'held' AND notion_page_id IS NOT NULL ORDER BY created_at`,
    )
    .bind(tenant_id)
    .all<{ id: string; notion_page_id: string }>();
  return results;
}

/** The page address of each of the tenant's releases among `ids` that has one. */
export async function releasePageUrls(
  db: D1Database,
  tenant_id: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const { results } = await db
    .prepare(
      `SELECT id, notion_page_url FROM releases
        WHERE tenant_id = ? AND notion_page_url IS NOT NULL AND id IN (${ids.map(() => "?").join(", ")})`,
    )
    .bind(tenant_id, ...ids)
    .all<{ id: string; notion_page_url: string }>();
  return new Map(results.map((row) => [row.id, row.notion_page_url]));
}

/** Records that a create of the release's page is about to be sent. */
export async function markReleasePageAttempted(db: D1Database, tenant_id: string, id: string, at: string) {
  await db
    .prepare("UPDATE releases SET page_attempted_at = ? WHERE tenant_id = ? AND id = ?")
    .bind(at, tenant_id, id)
    .run();
}

/** Records the release's page as written: its id, address and the hash of what it shows. */
export async function recordReleasePage(
  db: D1Database,
  tenant_id: string,
  id: string,
  page: { page_id: string; url: string; hash: string; at: string },
) {
  await db
    .prepare(
      `UPDATE releases SET notion_page_id = ?, notion_page_url = ?, page_hash = ?, page_written_at = ?
        WHERE tenant_id = ? AND id = ?`,
    )
    .bind(page.page_id, page.url, page.hash, page.at, tenant_id, id)
    .run();
}

/** Keeps Claude's summary of a release ('' when it could not write one), so it is asked once. */
export async function setReleaseSummary(db: D1Database, tenant_id: string, id: string, summary: string) {
  await db
    .prepare("UPDATE releases SET summary = ? WHERE tenant_id = ? AND id = ? AND summary IS NULL")
    .bind(summary, tenant_id, id)
    .run();
}

function withPage(release: Release | null, row: PageColumns): ReleaseWithPage | null {
  if (!release) return null;
  const { id: _, ...page } = row;
  return { ...release, ...page };
}

/** Records the Notion user who accepted a release on its page (its Accepted by). */
export async function setReleaseAcceptedBy(db: D1Database, tenant_id: string, id: string, user_id: string) {
  await db
    .prepare("UPDATE releases SET decided_by_user_id = ? WHERE tenant_id = ? AND id = ?")
    .bind(user_id, tenant_id, id)
    .run();
}

/**
 * The tenant's rollback in force whose rows Notion does not show yet: a `rollback` release, live or accepted, of
 * the snapshot in force, whose rows were not written back to the Policies database. Null when there is none.
 */
export async function rollbackToWrite(
  db: D1Database,
  tenant_id: string,
  snapshot: string | null,
): Promise<{ id: string; snapshot: string } | null> {
  if (snapshot === null) return null;
  return db
    .prepare(
      `SELECT id, snapshot FROM releases
        WHERE tenant_id = ? AND snapshot = ? AND source = 'rollback' AND status IN ('live', 'accepted')
          AND rows_written_at IS NULL
        ORDER BY created_at DESC LIMIT 1`,
    )
    .bind(tenant_id, snapshot)
    .first<{ id: string; snapshot: string }>();
}

/** Records that a rollback's rows are written back to the Policies database. */
export async function markRollbackWritten(db: D1Database, tenant_id: string, id: string, at: string) {
  await db
    .prepare("UPDATE releases SET rows_written_at = ? WHERE tenant_id = ? AND id = ?")
    .bind(at, tenant_id, id)
    .run();
}

/** A tenant's week in the `digests` table: the row one digest writer claims, then fills in. */
export interface DigestWeek {
  tenant_id: string;
  week_start: string;
}

/**
 * Claims the week for one writer until `until`: inserts its row, or takes it when no claim is in force at `now`.
 * Returns what the row holds (the page Notion confirmed, when a create was last sent), or null when another writer
 * holds the week.
 */
export async function claimDigestWeek(
  db: D1Database,
  week: DigestWeek,
  until: string,
  now: string,
): Promise<{ page_id: string | null; attempted_at: string | null } | null> {
  return db
    .prepare(
      `INSERT INTO digests (tenant_id, week_start, claimed_until) VALUES (?1, ?2, ?3)
       ON CONFLICT (tenant_id, week_start) DO UPDATE SET claimed_until = excluded.claimed_until
         WHERE digests.claimed_until IS NULL OR digests.claimed_until <= ?4
       RETURNING page_id, attempted_at`,
    )
    .bind(week.tenant_id, week.week_start, until, now)
    .first<{ page_id: string | null; attempted_at: string | null }>();
}

/** Records the week's page, found after a create whose answer was lost. */
export async function setDigestPage(db: D1Database, week: DigestWeek, page_id: string): Promise<void> {
  await db
    .prepare("UPDATE digests SET page_id = ? WHERE tenant_id = ? AND week_start = ?")
    .bind(page_id, week.tenant_id, week.week_start)
    .run();
}

/** Forgets the week's page (deleted in Notion) and its last create, so the next create is sent without a lookup. */
export async function forgetDigestPage(db: D1Database, week: DigestWeek): Promise<void> {
  await db
    .prepare("UPDATE digests SET page_id = NULL, attempted_at = NULL WHERE tenant_id = ? AND week_start = ?")
    .bind(week.tenant_id, week.week_start)
    .run();
}

/** Records that a create of the week's page is about to be sent (before sending: Notion has no idempotency keys). */
export async function markDigestAttempted(db: D1Database, week: DigestWeek, at: string): Promise<void> {
  await db
    .prepare("UPDATE digests SET attempted_at = ? WHERE tenant_id = ? AND week_start = ?")
    .bind(at, week.tenant_id, week.week_start)
    .run();
}

/** Records the written page, when, by whom and the figures it shows (JSON), and releases the claim. */
export async function recordDigestWritten(
  db: D1Database,
  week: DigestWeek,
  written: { page_id: string; written_at: string; written_by: string; figures: string },
): Promise<void> {
  await db
    .prepare(
      `UPDATE digests SET page_id = ?, written_at = ?, written_by = ?, figures = ?, claimed_until = NULL
        WHERE tenant_id = ? AND week_start = ?`,
    )
    .bind(written.page_id, written.written_at, written.written_by, written.figures, week.tenant_id, week.week_start)
    .run();
}

/** Releases the claim on the week without recording a page (the write failed; the next one tries again). */
export async function releaseDigestClaim(db: D1Database, week: DigestWeek): Promise<void> {
  await db
    .prepare("UPDATE digests SET claimed_until = NULL WHERE tenant_id = ? AND week_start = ?")
    .bind(week.tenant_id, week.week_start)
    .run();
}

/**
 * When the week's digest was written (null: never), and when it was last tried: the later of its last create sent
 * and its last Claude call (`claude_calls` with purpose `digest` and the week as subject); '' when never.
 */
export async function digestWeekTries(
  db: D1Database,
  week: DigestWeek,
): Promise<{ written_at: string | null; tried_at: string } | null> {
  return db
    .prepare(
      `SELECT (SELECT written_at FROM digests WHERE tenant_id = ?1 AND week_start = ?2) AS written_at,
            MAX(COALESCE((SELECT attempted_at FROM digests WHERE tenant_id = ?1 AND week_start = ?2), ''),
                COALESCE((SELECT MAX(created_at) FROM claude_calls
                           WHERE tenant_id = ?1 AND purpose = 'digest' AND subject = ?2), '')) AS tried_at`,
    )
    .bind(week.tenant_id, week.week_start)
    .first<{ written_at: string | null; tried_at: string }>();
}

import {
  claimDigestWeek,
  forgetDigestPage,
  markDigestAttempted,
  recordDigestWritten,
  releaseDigestClaim,
  setDigestPage,
} from "../db/digests";
import type { DigestFigures } from "./figures";
import { DIGEST_CALL_DEADLINE_MS, type DigestPages } from "./ports";
import type { DigestNarrative } from "./template";

/** How long a writer holds a (tenant, week): longer than a lookup, an update and an append at their deadlines. */
const CLAIM_MS = 4 * DIGEST_CALL_DEADLINE_MS;

/** What writing a week's digest page did. */
export type DigestPageResult =
  /** `found_and_updated`: an earlier create whose answer was lost had made the page; it was found by its title. */
  | { status: "created" | "updated" | "found_and_updated"; page_id: string }
  /** `in_progress`: another writer holds the week (the cron and POST /admin/digest never both write it). */
  | { status: "skipped"; reason: "no_connection" | "in_progress" }
  | { status: "failed"; error: string };

/**
 * Writes `tenant_id`'s digest page for the week starting `week_start` in its Digests database: creates it the first
 * time, afterwards updates the same page's properties and replaces its body, so writing a week twice leaves one
 * page with the second figures. Notion has no idempotency keys: `attempted_at` is set before a create is sent, and
 * a create whose answer was lost is looked up by Week title and Tenant before another is sent. The (tenant, week)
 * row is claimed first, so two writers never write at once. Stores the page id, when, by whom and the figures.
 * Never throws for the database's faults: they come back as `failed` and the next write tries again.
 *
 * @example await writeDigestPage(env.DB, notionDigestPages(env), "acme", "2026-11-16", figures, templateNarrative(figures))
 */
export async function writeDigestPage(
  db: D1Database,
  pages: DigestPages,
  tenant_id: string,
  week_start: string,
  figures: DigestFigures,
  narrative: DigestNarrative,
  options: { now?: () => Date } = {},
): Promise<DigestPageResult> {
  const now = options.now ?? (() => new Date());
  const open = await pages(tenant_id);
  if (!open) return { status: "skipped", reason: "no_connection" };

  const week = { tenant_id, week_start };
  const claimed = await claimDigestWeek(
    db,
    week,
    new Date(now().getTime() + CLAIM_MS).toISOString(),
    now().toISOString(),
  );
  if (!claimed) return { status: "skipped", reason: "in_progress" };

  try {
    const store = await open();
    let page_id = claimed.page_id;
    let status: "created" | "updated" | "found_and_updated" = "updated";
    if (!page_id && claimed.attempted_at) {
      page_id = await store.find(week_start);
      if (page_id) {
        status = "found_and_updated";
        await setDigestPage(db, week, page_id);
      }
    }
    if (page_id && !(await store.rewrite(page_id, figures, narrative))) {
      // Someone deleted the page in Notion: the week gets a new one.
      page_id = null;
      await forgetDigestPage(db, week);
    }
    if (!page_id) {
      await markDigestAttempted(db, week, now().toISOString());
      page_id = await store.create(figures, narrative);
      status = "created";
    }
    await recordDigestWritten(db, week, {
      page_id,
      written_at: now().toISOString(),
      written_by: narrative.written_by,
      figures: JSON.stringify(figures),
    });
    return { status, page_id };
  } catch (error) {
    await releaseDigestClaim(db, week);
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    console.error(`digest page for ${tenant_id}/${week_start} failed: ${message}`);
    return { status: "failed", error: message };
  }
}

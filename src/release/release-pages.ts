/**
 * Each release's page in the tenant's Releases database (Notion's in the Worker): created once, rewritten when the
 * release changes (accepted, rejected, rolled back), with the figures computed in code and, for a held release,
 * Claude's summary of them (asked once). Notion and Claude failing never change a release: the page waits for the next pass.
 */
import {
  markReleasePageAttempted,
  recordReleasePage,
  releasesForPages,
  setReleaseSummary,
  type ReleaseWithPage,
} from "../db/release-pages";
import { sha256Hex } from "../ledger";
import { releaseFigures, type ReleaseFigure } from "./release-figures";

/** What a release's page shows: the release, its figures, and Claude's summary when there is one. */
export interface ReleasePageView {
  release: ReleaseWithPage;
  figures: ReleaseFigure[];
  summary: string | null;
}

/** A written page: its id and its address (the held rows' Sync status links it). */
export interface WrittenReleasePage {
  page_id: string;
  url: string;
}

/** One tenant's Releases database, opened. Each method may throw for Notion's faults; the next pass retries. */
export interface ReleasePageStore {
  /** The release's page an earlier create whose answer was lost made, found by its Release ID; else null. */
  find(release_id: string): Promise<WrittenReleasePage | null>;
  /** Creates the release's page, body included. */
  create(view: ReleasePageView): Promise<WrittenReleasePage>;
  /** Rewrites the page's properties and body; false when the page is gone (deleted or in the trash). */
  rewrite(page_id: string, view: ReleasePageView): Promise<boolean>;
}

/** Words a release's figures (Claude in the Worker); null when it could not. Never throws. */
export type ReleaseNarrator = (release: ReleaseWithPage) => Promise<string | null>;

/** What writing release pages needs. */
export interface ReleasePageDeps {
  db: D1Database;
  store: ReleasePageStore;
  narrate: ReleaseNarrator;
  now: () => Date;
}

/** Pages of releases older than this are not written any more (a tenant connected later gets its recent ones). */
export const RELEASE_PAGE_HORIZON_MS = 7 * 86_400_000;
/** How many release pages one pass writes (Notion's ~3 requests/s is shared with everything else). */
export const MAX_RELEASE_PAGES = 10;

/** What a pass wrote, and why it stopped early if it did. */
export interface ReleasePagesResult {
  written: number;
  error?: string;
}

/**
 * Writes the pages of the tenant's recent releases whose page is missing or shows an older state, oldest first, at
 * most {@link MAX_RELEASE_PAGES}. Stops at the first Notion fault; what is left is written by the next pass.
 */
export async function writeReleasePages(deps: ReleasePageDeps, tenant_id: string): Promise<ReleasePagesResult> {
  const result: ReleasePagesResult = { written: 0 };
  const since = new Date(deps.now().getTime() - RELEASE_PAGE_HORIZON_MS).toISOString();
  for (const release of await releasesForPages(deps.db, tenant_id, since, 200)) {
    if (result.written >= MAX_RELEASE_PAGES) break;
    try {
      if (await writeReleasePage(deps, release)) result.written++;
    } catch (error) {
      result.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      break;
    }
  }
  return result;
}

/** Writes one release's page when what it shows changed; true when it wrote. */
async function writeReleasePage(deps: ReleasePageDeps, release: ReleaseWithPage): Promise<boolean> {
  const { db, store } = deps;
  let summary = release.summary;
  // Claude words a release a manager must decide on; one that went live at once shows its figures alone.
  if (summary === null && release.status === "held") {
    summary = (await deps.narrate(release)) ?? "";
    await setReleaseSummary(db, release.tenant_id, release.id, summary);
  }
  const view: ReleasePageView = { release, figures: releaseFigures(release), summary: summary || null };
  const hash = await pageHash(view);
  if (release.notion_page_id && release.page_hash === hash) return false;
  let page: WrittenReleasePage | null =
    release.notion_page_id && release.notion_page_url
      ? { page_id: release.notion_page_id, url: release.notion_page_url }
      : null;
  if (page && !(await store.rewrite(page.page_id, view))) page = null;
  if (!page && release.page_attempted_at) {
    page = await store.find(release.id);
    if (page && !(await store.rewrite(page.page_id, view))) page = null;
  }
  if (!page) {
    await markReleasePageAttempted(db, release.tenant_id, release.id, deps.now().toISOString());
    page = await store.create(view);
  }
  await recordReleasePage(db, release.tenant_id, release.id, { ...page, hash, at: deps.now().toISOString() });
  return true;
}

/** What a page shows, hashed: a page is rewritten only when this changes. */
async function pageHash({ release, figures, summary }: ReleasePageView): Promise<string> {
  const { notion_page_id: _i, notion_page_url: _u, page_hash: _h, page_attempted_at: _a, ...shown } = release;
  return sha256Hex(JSON.stringify({ shown, figures, summary }));
}

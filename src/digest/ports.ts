import type { DigestFigures } from "./figures";
import type { DigestNarrative } from "./template";

/** Each call a {@link DigestPageStore} makes gives up after this long; the next write tries again. */
export const DIGEST_CALL_DEADLINE_MS = 20_000;

/**
 * One tenant's Digests database (Notion's in the Worker), opened: the three things writing a week's page needs.
 * Each may throw for the database's faults; the writer turns those into a `failed` result.
 */
export interface DigestPageStore {
  /** The week's page that an earlier create whose answer was lost made, found by its title and tenant; else null. */
  find(week_start: string): Promise<string | null>;
  /** Rewrites the page's properties and body from the figures and narrative; false when the page is gone. */
  rewrite(page_id: string, figures: DigestFigures, narrative: DigestNarrative): Promise<boolean>;
  /** Creates the week's page, body included, and returns its id. */
  create(figures: DigestFigures, narrative: DigestNarrative): Promise<string>;
}

/**
 * Where a tenant's digest pages go: null when it has nowhere (no Notion connection), else a function that opens the
 * database and throws when it cannot (a missing token). Looking up reaches nothing outside D1; opening may.
 */
export type DigestPages = (tenant_id: string) => Promise<(() => Promise<DigestPageStore>) | null>;

/**
 * Writes the week's narrative around the figures (Claude in the Worker). Null when it could not: the template then
 * writes it. Never throws.
 */
export type Narrator = (figures: DigestFigures) => Promise<DigestNarrative | null>;

/** What writing a digest reaches outside the digest domain, built at a composition point (src/wiring/digest.ts). */
export interface DigestPorts {
  pages: DigestPages;
  narrate: Narrator;
}

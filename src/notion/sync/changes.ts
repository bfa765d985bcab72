import type { RowValues } from "./row-values";
import type { StoredRow } from "./store";

/** A row whose content differs from what the sync read last time (or that it never read). */
export interface ChangedRow {
  page_id: string;
  values: RowValues;
  content_hash: string;
  last_edited_time: string;
  /** What the row's Sync status says in Notion right now. */
  shown_status: string | null;
}

/** What changed in one database since the last sync. */
export interface Changes {
  tenant_id: string;
  /** Every row read before, by page id (before this sync). */
  stored: ReadonlyMap<string, StoredRow>;
  changed: readonly ChangedRow[];
  /** Rows gone from Notion. */
  removed: readonly string[];
  now: string;
}

/**
 * Whether a changed row was taken, or why not. A taken row is stored as read unless `value` says otherwise: the
 * row with what the sync filled in (a Policy ID given from its Name), or null for a row taken out of force.
 */
export type Verdict = { ok: true; status: string; value?: RowValues | null } | { ok: false; reason: string };

/** Sync status text is one rich-text value; it is kept well inside Notion's 2,000 characters per text object. */
const MAX_STATUS = 1_900;

/** Keeps a Sync status inside one rich-text value, cutting the middle of `head` and keeping `tail` whole. */
export function fitStatus(head: string, tail: string): string {
  return head.length + tail.length > MAX_STATUS
    ? `${head.slice(0, MAX_STATUS - tail.length - 1)}…${tail}`
    : head + tail;
}

/** The Sync status of a row that was not applied. */
export function rejectedStatus(reason: string, hadGoodVersion: boolean): string {
  const tail = hadGoodVersion ? " The previous version stays in force." : " This row is not in force.";
  return fitStatus(`not applied: ${reason}`, tail);
}

/** The rows to store after judging every changed row: a good row's new version, else its old one. */
export function judged(changes: Changes, verdicts: ReadonlyMap<string, Verdict>): StoredRow[] {
  return changes.changed.map((row) => {
    const verdict = verdicts.get(row.page_id)!;
    const before = changes.stored.get(row.page_id);
    return {
      page_id: row.page_id,
      content_hash: row.content_hash,
      last_edited_time: row.last_edited_time,
      value: verdict.ok ? (verdict.value === undefined ? row.values : verdict.value) : (before?.value ?? null),
      sync_status: verdict.ok ? verdict.status : rejectedStatus(verdict.reason, Boolean(before?.value)),
      written_status: row.shown_status,
    };
  });
}

/** The rejections of a set of verdicts, for the sync report. */
export function rejections(changes: Changes, verdicts: ReadonlyMap<string, Verdict>, title: string) {
  return changes.changed.flatMap((row) => {
    const verdict = verdicts.get(row.page_id);
    if (!verdict || verdict.ok) return [];
    const name = row.values[title];
    return [{ page_id: row.page_id, name: typeof name === "string" ? name : "", reason: verdict.reason }];
  });
}

/** What applying one database's changes decided: the rows to store, the D1 statements, and the refusals. */
export interface Applied {
  rows: StoredRow[];
  statements: D1PreparedStatement[];
  rejected: ReturnType<typeof rejections>;
  applied: number;
}

/** The {@link Applied} of a set of verdicts and the statements they led to. */
export function appliedOf(
  changes: Changes,
  verdicts: ReadonlyMap<string, Verdict>,
  statements: D1PreparedStatement[],
): Applied {
  return {
    rows: judged(changes, verdicts),
    statements,
    rejected: rejections(changes, verdicts, "Name"),
    applied: [...verdicts.values()].filter((verdict) => verdict.ok).length,
  };
}

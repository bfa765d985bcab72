import type { NotionRow } from "../../db/notion-rows";
import type { RowValues } from "./row-values";

/** What D1 keeps of one Notion row the sync read (src/db/notion-rows.ts stores it). */
export type StoredRow = NotionRow<RowValues>;

// The admin API reads the sync's state from here, beside what the sync keeps.
export { syncState } from "../../db/notion-sync-state";

import type { FailingSync } from "../../db/notion-sync-state";
import type { Condition } from "../types";

/** How much of the last error a figure keeps (Notion's messages name no personal data, but are long). */
const MAX_ERROR = 200;

/** Databases whose sync failed repeatedly (the caller's query applies the threshold). Cause `notion_sync:<source>`. */
export function failingNotionSyncs(syncs: readonly FailingSync[]): Condition[] {
  return syncs.map((sync) => ({
    cause: `notion_sync:${sync.source}`,
    kind: "notion_sync_failing" as const,
    title: `The Notion sync of ${sync.source} failed ${sync.failures} times in a row`,
    tools: [],
    agents: [],
    figures: {
      source: sync.source,
      failures_in_a_row: sync.failures,
      last_error: sync.last_error.slice(0, MAX_ERROR),
      last_run_at: sync.last_run_at,
    },
  }));
}

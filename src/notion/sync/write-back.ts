import { APIErrorCode, isNotionClientError, type Client } from "@notionhq/client";
import { markStatusWritten, unwrittenStatuses, type UnwrittenStatus } from "../../db/notion-rows";
import { richText } from "../page-properties";
import { givenIdOf, POLICY_ID } from "./policy-id";
import { SYNC_STATUS } from "./row-values";
import { writeCatalogRow, type catalogWrites } from "./tools";

/** What a write-back pass did. */
export interface WriteBackResult {
  written: number;
  /** Rows whose page no longer takes the write (deleted, or the database has no Sync status column). */
  skipped: number;
  pending: number;
  error?: string;
}

/** Notion errors that say the write can never succeed as it is: give up on that row instead of retrying forever. */
const HOPELESS: readonly string[] = [
  APIErrorCode.ObjectNotFound,
  APIErrorCode.ValidationError,
  APIErrorCode.RestrictedResource,
];

/**
 * Writes to Notion what the sync decided: refusals first (people need to see why a row is not in force), then
 * the Tools catalog, then the other Sync status values (with the Policy IDs the sync gave rows from their Name). Paced by the gate at Notion's rate; it stops early when
 * `stop()` says a new sync is waiting, and what is left is written by the next pass.
 */
export async function writeBack(
  db: D1Database,
  client: Client,
  tenant_id: string,
  catalog: { tools_data_source: string; writes: Awaited<ReturnType<typeof catalogWrites>> },
  stop: () => boolean,
  count: () => void,
): Promise<WriteBackResult> {
  const result: WriteBackResult = { written: 0, skipped: 0, pending: 0 };
  const statuses = await unwrittenStatuses(db, tenant_id);
  const refusals = statuses.filter((row) => row.sync_status.startsWith("not applied"));
  const others = statuses.filter((row) => !row.sync_status.startsWith("not applied"));
  const work: Array<() => Promise<void>> = [
    ...refusals.map((row) => () => writeStatus(db, client, tenant_id, row, count)),
    ...catalog.writes.map(
      (write) => () => writeCatalogRow(db, client, tenant_id, catalog.tools_data_source, write, count),
    ),
    ...others.map((row) => () => writeStatus(db, client, tenant_id, row, count)),
  ];
  for (const [index, job] of work.entries()) {
    if (stop()) {
      result.pending = work.length - index;
      return result;
    }
    try {
      await job();
      result.written++;
    } catch (error) {
      if (isHopeless(error)) {
        result.skipped++;
        continue;
      }
      // Notion is down or slow: what is left waits for the next pass.
      result.pending = work.length - index;
      result.error = error instanceof Error ? error.message : String(error);
      return result;
    }
  }
  return result;
}

async function writeStatus(
  db: D1Database,
  client: Client,
  tenant_id: string,
  row: UnwrittenStatus,
  count: () => void,
): Promise<void> {
  // A Policy ID the sync gave from the row's Name goes into the row with the status that announces it.
  const given = givenIdOf(row.sync_status);
  try {
    count();
    await client.pages.update({
      page_id: row.page_id,
      properties: {
        [SYNC_STATUS]: { rich_text: richText(row.sync_status) },
        ...(given ? { [POLICY_ID]: { rich_text: richText(given) } } : {}),
      },
    });
  } catch (error) {
    // A write that can never succeed is recorded as done, so it is not retried on every pass.
    if (isHopeless(error)) await markStatusWritten(db, tenant_id, row);
    throw error;
  }
  await markStatusWritten(db, tenant_id, row);
}

function isHopeless(error: unknown): boolean {
  return isNotionClientError(error) && HOPELESS.includes(error.code);
}

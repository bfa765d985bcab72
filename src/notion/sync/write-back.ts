import { APIErrorCode, isFullPage, isNotionClientError, type Client } from "@notionhq/client";
import { markStatusWritten, unwrittenStatuses, type UnwrittenStatus } from "../../db/notion-rows";
import { releasePageUrls } from "../../db/release-pages";
import { richText } from "../page-properties";
import { givenIdOf, POLICY_ID } from "./policy-id";
import { flatten, SYNC_STATUS, textOf } from "./row-values";
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
 * `stop()` says a new sync is waiting, and what is left is written by the next pass. With `links.releases` (the
 * tenant has a Releases database), a held row's status links its release's page, and waits for a pass where the
 * page exists.
 */
export async function writeBack(
  db: D1Database,
  client: Client,
  tenant_id: string,
  catalog: { tools_data_source: string; writes: Awaited<ReturnType<typeof catalogWrites>> },
  stop: () => boolean,
  count: () => void,
  links: { releases: boolean } = { releases: false },
): Promise<WriteBackResult> {
  const result: WriteBackResult = { written: 0, skipped: 0, pending: 0 };
  const all = await unwrittenStatuses(db, tenant_id);
  const urls = links.releases
    ? await releasePageUrls(db, tenant_id, [
        ...new Set(all.map((row) => heldReleaseOf(row.sync_status)).filter((id) => id !== null)),
      ])
    : new Map<string, string>();
  const waiting = (row: UnwrittenStatus) => {
    const release = heldReleaseOf(row.sync_status);
    return links.releases && release !== null && !urls.has(release);
  };
  const statuses = all.filter((row) => !waiting(row));
  result.pending += all.length - statuses.length;
  const refusals = statuses.filter((row) => row.sync_status.startsWith("not applied"));
  const others = statuses.filter((row) => !row.sync_status.startsWith("not applied"));
  const work: Array<() => Promise<void>> = [
    ...refusals.map((row) => () => writeStatus(db, client, tenant_id, row, count, null)),
    ...catalog.writes.map(
      (write) => () => writeCatalogRow(db, client, tenant_id, catalog.tools_data_source, write, count),
    ),
    ...others.map(
      (row) => () =>
        writeStatus(db, client, tenant_id, row, count, urls.get(heldReleaseOf(row.sync_status) ?? "") ?? null),
    ),
  ];
  for (const [index, job] of work.entries()) {
    if (stop()) {
      result.pending += work.length - index;
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
      result.pending += work.length - index;
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
  releasePage: string | null,
): Promise<void> {
  const given = givenIdOf(row.sync_status);
  try {
    // A Policy ID the sync gave from the row's Name goes into the row with the status that announces it, unless
    // the manager typed one since the sync read the row: a person's id is never overwritten.
    const fill = given !== null && (await policyIdIsBlank(client, row.page_id, count));
    count();
    await client.pages.update({
      page_id: row.page_id,
      properties: {
        [SYNC_STATUS]: { rich_text: statusText(row.sync_status, releasePage) },
        ...(fill ? { [POLICY_ID]: { rich_text: richText(given) } } : {}),
      },
    });
  } catch (error) {
    // A write that can never succeed is recorded as done, so it is not retried on every pass.
    if (isHopeless(error)) await markStatusWritten(db, tenant_id, row);
    throw error;
  }
  await markStatusWritten(db, tenant_id, row);
}

async function policyIdIsBlank(client: Client, page_id: string, count: () => void): Promise<boolean> {
  count();
  const page = await client.pages.retrieve({ page_id });
  const value = isFullPage(page) ? page.properties[POLICY_ID] : undefined;
  // A database without the column cannot take the id: the status alone is written.
  return value !== undefined && textOf(flatten(value)).trim() === "";
}

function isHopeless(error: unknown): boolean {
  return isNotionClientError(error) && HOPELESS.includes(error.code);
}

/** The release a held row's Sync status names (`held: release rel_… is held because …`), else null. */
export function heldReleaseOf(status: string): string | null {
  return /^held: release (rel_[A-Za-z0-9_-]+) /.exec(status)?.[1] ?? null;
}

/** A Sync status as rich text; a held row's ends with a link to its release's page. */
function statusText(status: string, releasePage: string | null) {
  if (!releasePage) return richText(status);
  return [
    ...richText(status),
    { type: "text" as const, text: { content: " Release page: " } },
    { type: "text" as const, text: { content: releasePage, link: { url: releasePage } } },
  ];
}

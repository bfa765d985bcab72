import { isFullPage, type Client, type PageObjectResponse, type QueryDataSourceParameters } from "@notionhq/client";

/**
 * Notion rounds `last_edited_time` down to the minute, its index may lag a write, and its clock is not ours: an
 * incremental read asks for rows edited since the previous read began, minus this margin, and the content hash
 * drops the rows it has already read.
 */
export const EDIT_MARGIN_MS = 2 * 60_000;

/**
 * Every row of a data source edited since `since` (all rows when null), 100 per request. Sorting by
 * `created_time` makes Notion's 10,000-rows-per-query cap resumable: when a query stops incomplete, the next one
 * starts at the last creation time read, and rows seen twice are dropped by id. `complete` is false when the cap
 * could not be worked around (more rows created in one minute than one query returns).
 */
export async function readRows(
  client: Client,
  data_source_id: string,
  since: string | null,
  count: () => void,
): Promise<{ pages: PageObjectResponse[]; complete: boolean }> {
  const seen = new Map<string, PageObjectResponse>();
  const edited: QueryDataSourceParameters["filter"] | undefined = since
    ? { timestamp: "last_edited_time", last_edited_time: { on_or_after: since } }
    : undefined;
  let createdFrom: string | null = null;
  for (;;) {
    const created: QueryDataSourceParameters["filter"] | undefined = createdFrom
      ? { timestamp: "created_time", created_time: { on_or_after: createdFrom } }
      : undefined;
    const filter = edited && created ? { and: [edited, created] } : (edited ?? created);
    let cursor: string | undefined;
    let incomplete: boolean;
    let lastCreated: string | null = null;
    do {
      count();
      const response = await client.dataSources.query({
        data_source_id,
        ...(filter ? { filter } : {}),
        sorts: [{ timestamp: "created_time", direction: "ascending" }],
        page_size: 100,
        ...(cursor ? { start_cursor: cursor } : {}),
      });
      for (const result of response.results) {
        if (!isFullPage(result)) continue;
        seen.set(result.id, result);
        lastCreated = result.created_time;
      }
      cursor = response.has_more && response.next_cursor ? response.next_cursor : undefined;
      incomplete = response.request_status?.type === "incomplete";
    } while (cursor);
    if (!incomplete) return { pages: [...seen.values()], complete: true };
    // A capped query that made no progress (10,000 rows created in the same minute) cannot be split further.
    if (lastCreated === null || lastCreated === createdFrom) return { pages: [...seen.values()], complete: false };
    createdFrom = lastCreated;
  }
}

/** The time an incremental read starts from: when the previous read began, minus the margin. */
export function readFrom(cursor: string | null): string | null {
  if (!cursor) return null;
  return new Date(Date.parse(cursor) - EDIT_MARGIN_MS).toISOString();
}

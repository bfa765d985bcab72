/**
 * The two steps every page Policy OS writes into one of its databases shares (Incidents, Digests, Releases): find the
 * page an earlier create whose answer was lost made, and rewrite a page's properties and body in place.
 */
import {
  APIErrorCode,
  isFullPage,
  isNotionClientError,
  type BlockObjectRequest,
  type Client,
  type PageObjectResponse,
  type QueryDataSourceParameters,
} from "@notionhq/client";
import type { NotionPageProperties } from "./page-properties";

/** The first page of `data_source_id` that `filter` matches, or null. */
export async function findPageBy(
  client: Client,
  data_source_id: string,
  filter: NonNullable<QueryDataSourceParameters["filter"]>,
): Promise<PageObjectResponse | null> {
  const found = await client.dataSources.query({ data_source_id, filter, page_size: 1 });
  return found.results.find(isFullPage) ?? null;
}

/**
 * Rewrites a page in two requests: its properties with its body erased (`erase_content`), then the new body (at
 * most 100 blocks: one append). False when the page is gone (deleted or in the trash).
 */
export async function rewritePage(
  client: Client,
  page_id: string,
  properties: NotionPageProperties,
  children: BlockObjectRequest[],
): Promise<boolean> {
  try {
    await client.pages.update({ page_id, properties, erase_content: true });
  } catch (error) {
    if (isPageGone(error)) return false;
    throw error;
  }
  await client.blocks.children.append({ block_id: page_id, children });
  return true;
}

/** Whether Notion refused a write because the page is deleted or in the trash. */
export function isPageGone(error: unknown): boolean {
  return (
    isNotionClientError(error) &&
    (error.code === APIErrorCode.ObjectNotFound ||
      (error.code === APIErrorCode.ValidationError && /archived|trash/i.test(error.message)))
  );
}

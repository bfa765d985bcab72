import { APIErrorCode, isFullPage, isNotionClientError, type Client } from "@notionhq/client";
import type { DigestFigures } from "../../digest/figures";
import { DIGEST_CALL_DEADLINE_MS, type DigestPages } from "../../digest/ports";
import type { DigestNarrative } from "../../digest/template";
import type { Env } from "../../env";
import { getConnection, notionClientFor } from "../connection";
import { digestBlocks, digestPage, digestProperties, digestTitle } from "./digest-page";

/**
 * The digest's pages in each tenant's Notion Digests database: null for a tenant without a Notion connection;
 * opening builds the integration's client (through its gate), which throws when the token secret is missing.
 *
 * @example await writeDigestPage(env.DB, notionDigestPages(env), "acme", "2026-11-16", figures, narrative)
 */
export function notionDigestPages(env: Env): DigestPages {
  return async (tenant_id) => {
    const connection = await getConnection(env.DB, tenant_id);
    if (!connection) return null;
    const data_source_id = connection.data_sources.digests;
    return async () => {
      const client = await notionClientFor(env, connection, { deadline_ms: DIGEST_CALL_DEADLINE_MS });
      return {
        find: (week_start) => findPage(client, data_source_id, tenant_id, week_start),
        rewrite: (page_id, figures, narrative) => rewritten(client, page_id, figures, narrative),
        create: async (figures, narrative) =>
          (await client.pages.create(digestPage(figures, narrative, data_source_id))).id,
      };
    };
  };
}

/** The week's page that an earlier, unanswered create made, if it did. */
async function findPage(
  client: Client,
  data_source_id: string,
  tenant_id: string,
  week_start: string,
): Promise<string | null> {
  const found = await client.dataSources.query({
    data_source_id,
    filter: {
      and: [
        { property: "Week", title: { equals: digestTitle(week_start) } },
        { property: "Tenant", rich_text: { equals: tenant_id } },
      ],
    },
    page_size: 1,
  });
  return found.results.find(isFullPage)?.id ?? null;
}

/**
 * Rewrites the week's page in two requests: its properties with its body erased (`erase_content`), then the new body
 * (at most 100 blocks: one append). False when the page is gone (deleted or in the trash).
 */
async function rewritten(
  client: Client,
  page_id: string,
  figures: DigestFigures,
  narrative: DigestNarrative,
): Promise<boolean> {
  try {
    await client.pages.update({
      page_id,
      properties: digestProperties(figures, narrative.written_by),
      erase_content: true,
    });
  } catch (error) {
    const gone =
      isNotionClientError(error) &&
      (error.code === APIErrorCode.ObjectNotFound ||
        (error.code === APIErrorCode.ValidationError && /archived|trash/i.test(error.message)));
    if (gone) return false;
    throw error;
  }
  await client.blocks.children.append({ block_id: page_id, children: digestBlocks(figures, narrative) });
  return true;
}

import { DIGEST_CALL_DEADLINE_MS, type DigestPages } from "../../digest/ports";
import type { Env } from "../../env";
import { getConnection, notionClientFor } from "../connection";
import { findPageBy, rewritePage } from "../database-page";
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
        // The week's page that an earlier, unanswered create made, if it did.
        find: async (week_start) => {
          const page = await findPageBy(client, data_source_id, {
            and: [
              { property: "Week", title: { equals: digestTitle(week_start) } },
              { property: "Tenant", rich_text: { equals: tenant_id } },
            ],
          });
          return page?.id ?? null;
        },
        rewrite: (page_id, figures, narrative) =>
          rewritePage(
            client,
            page_id,
            digestProperties(figures, narrative.written_by),
            digestBlocks(figures, narrative),
          ),
        create: async (figures, narrative) =>
          (await client.pages.create(digestPage(figures, narrative, data_source_id))).id,
      };
    };
  };
}

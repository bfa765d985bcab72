import { APIErrorCode, isFullPage, isNotionClientError, type Client } from "@notionhq/client";
import type { Env } from "../../env";
import type { IncidentPages, IncidentPageView } from "../../incidents/ports";
import { getConnection, notionClientFor } from "../connection";
import { incidentBlocks, incidentPage, incidentProperties } from "./incident-page";

/** Each incident page call gives up after this long; the next tick tries again. */
const INCIDENT_CALL_DEADLINE_MS = 20_000;

/**
 * The incidents' pages in each tenant's Notion Incidents database, through the integration's gate: null for a
 * tenant without a Notion connection or without an Incidents database in it.
 */
export function notionIncidentPages(env: Env): IncidentPages {
  return async (tenant_id) => {
    const connection = await getConnection(env.DB, tenant_id);
    const data_source_id = connection?.data_sources.incidents;
    if (!connection || !data_source_id) return null;
    return async () => {
      const client = await notionClientFor(env, connection, { deadline_ms: INCIDENT_CALL_DEADLINE_MS });
      return {
        find: (incident_id) => findPage(client, data_source_id, incident_id),
        create: async (view) => (await client.pages.create(incidentPage(view, data_source_id))).id,
        rewrite: (page_id, view) => rewritten(client, page_id, view),
      };
    };
  };
}

async function findPage(client: Client, data_source_id: string, incident_id: string): Promise<string | null> {
  const found = await client.dataSources.query({
    data_source_id,
    filter: { property: "Incident ID", rich_text: { equals: incident_id } },
    page_size: 1,
  });
  return found.results.find(isFullPage)?.id ?? null;
}

/** Rewrites the page: properties with the body erased, then the new body. False when the page is gone. */
async function rewritten(client: Client, page_id: string, view: IncidentPageView): Promise<boolean> {
  try {
    await client.pages.update({ page_id, properties: incidentProperties(view), erase_content: true });
  } catch (error) {
    const gone =
      isNotionClientError(error) &&
      (error.code === APIErrorCode.ObjectNotFound ||
        (error.code === APIErrorCode.ValidationError && /archived|trash/i.test(error.message)));
    if (gone) return false;
    throw error;
  }
  await client.blocks.children.append({ block_id: page_id, children: incidentBlocks(view) });
  return true;
}

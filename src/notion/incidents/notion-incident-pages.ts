import type { Env } from "../../env";
import type { IncidentPages } from "../../incidents/ports";
import { getConnection, notionClientFor } from "../connection";
import { findPageBy, rewritePage } from "../database-page";
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
        find: async (incident_id) =>
          (await findPageBy(client, data_source_id, { property: "Incident ID", rich_text: { equals: incident_id } }))
            ?.id ?? null,
        create: async (view) => (await client.pages.create(incidentPage(view, data_source_id))).id,
        rewrite: (page_id, view) => rewritePage(client, page_id, incidentProperties(view), incidentBlocks(view)),
      };
    };
  };
}

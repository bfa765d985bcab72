import { budgetBook } from "../budgets";
import { summarizeIncident } from "../claude";
import type { Env } from "../env";
import { hostHealthFor, hostRegistryFor, type HealthFigures } from "../hosts";
import { newId } from "../ids";
import type { IncidentDeps, Notify } from "../incidents/ports";
import { ledgerFor } from "../ledger";
import { getConnection, notionClientFor } from "../notion/connection";
import { notionIncidentPages } from "../notion/incidents/notion-incident-pages";
import { writeHostHealthColumn } from "../notion/sync/host-health-column";

/**
 * The incident loop's dependencies in the Worker: D1, the tenant's host health, budget book and ledger objects, the
 * Incidents pages in Notion, Claude's wording, and `notify` (src/notifications/notify.ts with `env` bound, passed
 * in by the composition point: there is no default that drops notifications). `defer` is the Worker's waitUntil.
 */
export function incidentDeps(env: Env, notify: Notify, defer: (work: Promise<unknown>) => void): IncidentDeps {
  return {
    db: env.DB,
    signals: {
      hosts: async (tenant_id) => {
        const figures = await hostFigures(env, tenant_id, defer);
        return Object.entries(figures).map(([host_id, f]) => ({ host_id, figures: f }));
      },
      budgets: (tenant_id) => budgetBook(env, tenant_id).spent(),
      verifyLedger: (tenant_id) => ledgerFor(env, tenant_id).verify(),
    },
    ports: {
      pages: notionIncidentPages(env),
      narrate: (incident) => summarizeIncident(env, incident),
      notify,
    },
    newId: () => newId("inc"),
  };
}

/** Every host of the tenant with its health figures, as HostHealthDO computes them. */
export async function hostFigures(
  env: Env,
  tenant_id: string,
  defer: (work: Promise<unknown>) => void,
): Promise<Record<string, HealthFigures>> {
  const hosts = await hostRegistryFor(env).listHosts(tenant_id);
  if (hosts.length === 0) return {};
  return hostHealthFor(env, defer).figures(
    tenant_id,
    hosts.map(({ id, circuit, timeout_ms }) => ({ id, timeout_ms, ...(circuit ? { circuit } : {}) })),
  );
}

/** The cron's write of each Tools row's Host health for a tenant connected to Notion (nothing without one). */
export async function refreshHostHealthColumn(
  env: Env,
  tenant_id: string,
  defer: (work: Promise<unknown>) => void,
): Promise<{ written: number; pending: number } | null> {
  const connection = await getConnection(env.DB, tenant_id);
  if (!connection) return null;
  const figures = await hostFigures(env, tenant_id, defer);
  const client = await notionClientFor(env, connection, { deadline_ms: 20_000 });
  return writeHostHealthColumn(env.DB, client, tenant_id, figures);
}

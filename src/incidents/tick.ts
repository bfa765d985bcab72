import { runbookFor } from "../approvals/page-facts";
import {
  forgetIncidentPage,
  getIncident,
  incidentsWithStalePages,
  incidentTenants,
  insertIncident,
  markIncidentClearing,
  openIncidents,
  recordIncidentPage,
  recordIncidentSummary,
  resolveIncident,
  runbookName,
  runbookRows,
  storedIncidentSettings,
  updateIncidentSeen,
  type StoredIncident,
} from "./store";
import { hashOf } from "../ledger";
import { detect } from "./detect";
import { planIncidents } from "./lifecycle";
import { incidentEvent } from "./notification";
import type { IncidentDeps, IncidentPageStore, IncidentPageView, IncidentRunbook } from "./ports";
import { settingsFrom } from "./settings";
import type { Incident } from "./types";

/** How many incident pages one tick writes for a tenant (Notion's ~3 requests/s is shared with everything else). */
export const MAX_PAGE_WRITES = 5;
/** A page whose incident only changed its figures is rewritten at most this often. */
export const PAGE_REFRESH_MS = 5 * 60_000;
/** How many tenants one tick looks at. */
export const MAX_TENANTS_PER_TICK = 200;
/** How many tools and agents an incident names. */
const MAX_NAMED = 10;

/** What one tick did for a tenant. */
export interface IncidentTickReport {
  tenant_id: string;
  opened: string[];
  updated: string[];
  resolved: string[];
  pages_written: number;
  /** Why pages wait for the next tick (Notion refused or is down). */
  page_error?: string;
}

/**
 * One cron tick of one tenant's incident loop: detects conditions, opens an incident per new cause (never a second
 * for an open cause), updates those that last, starts the clear period of those that cleared and resolves those
 * clear for `clear_minutes`; then writes the pages that changed (at most {@link MAX_PAGE_WRITES}) and notifies on
 * each opening and resolution once. Notion and Claude failing never stop an incident: its page waits for a later
 * tick, its summary is left out.
 */
export async function incidentTick(deps: IncidentDeps, tenant_id: string, now: Date): Promise<IncidentTickReport> {
  const at = now.toISOString();
  const settings = settingsFrom(await storedIncidentSettings(deps.db, tenant_id));
  const findings = await detect(deps, tenant_id, now, settings);
  const plan = planIncidents(await openIncidents(deps.db, tenant_id), findings, now, settings.clear_minutes * 60_000);
  const report: IncidentTickReport = { tenant_id, opened: [], updated: [], resolved: [], pages_written: 0 };

  for (const condition of plan.open) {
    const runbook = await runbookOf(deps.db, tenant_id, condition.tools);
    const id = deps.newId();
    const opened = await insertIncident(deps.db, {
      id,
      tenant_id,
      runbook_page_id: runbook?.page_id ?? null,
      condition,
      now: at,
    });
    if (opened) report.opened.push(id);
  }
  for (const { incident, condition } of plan.update) {
    const tools = merged(incident.tools, condition.tools);
    const agents = merged(incident.agents, condition.agents);
    // A host incident opened before any call named its tools links its runbook once one does.
    const runbook = incident.runbook_page_id ? null : await runbookOf(deps.db, tenant_id, tools);
    await updateIncidentSeen(deps.db, incident.id, {
      condition,
      tools,
      agents,
      runbook_page_id: runbook?.page_id ?? null,
      now: at,
    });
    report.updated.push(incident.id);
  }
  for (const incident of plan.clearing) await markIncidentClearing(deps.db, incident.id, at);
  for (const incident of plan.resolve)
    if (await resolveIncident(deps.db, incident.id, at)) report.resolved.push(incident.id);

  // Newly opened incidents are worded by Claude once, before their page is written; a failure leaves no summary.
  const current = await openIncidents(deps.db, tenant_id);
  for (const incident of current.filter((i) => report.opened.includes(i.id))) {
    const summary = await deps.ports.narrate(incident).catch(() => null);
    if (summary === null) continue;
    await recordIncidentSummary(deps.db, incident.id, summary);
    Object.assign(incident, { summary, summary_by: "Claude" });
  }
  await writePages(deps, tenant_id, current, now, report);

  // Notified after the pages are written, so a notification can link the incident's page.
  for (const [ids, transition] of [
    [report.opened, "opened"],
    [report.resolved, "resolved"],
  ] as const)
    for (const id of ids) await notifyOnce(deps, await getIncident(deps.db, tenant_id, id), transition);
  return report;
}

/** Runs {@link incidentTick} for every tenant worth looking at (at most {@link MAX_TENANTS_PER_TICK}). */
export async function incidentTicks(deps: IncidentDeps, now: Date): Promise<IncidentTickReport[]> {
  const since = new Date(now.getTime() - 24 * 3600_000).toISOString();
  const reports: IncidentTickReport[] = [];
  for (const tenant_id of await incidentTenants(deps.db, since, MAX_TENANTS_PER_TICK)) {
    try {
      reports.push(await incidentTick(deps, tenant_id, now));
    } catch (error) {
      console.error(`incidents of ${tenant_id} wait for the next tick: ${String(error)}`);
    }
  }
  return reports;
}

async function notifyOnce(
  deps: IncidentDeps,
  incident: Incident | null,
  transition: "opened" | "resolved",
): Promise<void> {
  if (!incident) return;
  try {
    await deps.ports.notify(incidentEvent(incident, transition));
  } catch (error) {
    console.error(`notification of incident ${incident.id} ${transition} failed: ${String(error)}`);
  }
}

/**
 * Writes the pages whose view changed (the open incidents, and resolved ones whose page does not say so yet), the
 * most urgent first (a new page or a new status, then new figures), within bounds. Nothing for a tenant without an
 * Incidents database.
 */
async function writePages(
  deps: IncidentDeps,
  tenant_id: string,
  open: StoredIncident[],
  now: Date,
  report: IncidentTickReport,
): Promise<void> {
  const opener = await deps.ports.pages(tenant_id).catch((error: unknown) => {
    report.page_error = String(error);
    return null;
  });
  if (!opener) return;
  const candidates = [...(await incidentsWithStalePages(deps.db, tenant_id, MAX_PAGE_WRITES)), ...open];
  const due: { incident: StoredIncident; view: IncidentPageView; hash: string; urgent: boolean }[] = [];
  for (const incident of candidates) {
    const view: IncidentPageView = { incident, runbook: await linkedRunbook(deps.db, incident) };
    const hash = await hashOf(JSON.parse(JSON.stringify(pageContent(view))));
    if (incident.page.hash === hash && incident.notion_page_id) continue;
    const urgent = incident.notion_page_id === null || incident.page.status !== incident.status;
    const recent =
      incident.page.written_at !== null && now.getTime() - Date.parse(incident.page.written_at) < PAGE_REFRESH_MS;
    if (!urgent && recent) continue;
    due.push({ incident, view, hash, urgent });
  }
  if (due.length === 0) return;
  let store: IncidentPageStore;
  try {
    store = await opener();
  } catch (error) {
    report.page_error = String(error);
    return;
  }
  due.sort((a, b) => Number(b.urgent) - Number(a.urgent));
  for (const { incident, view, hash } of due.slice(0, MAX_PAGE_WRITES)) {
    try {
      let page_id = incident.notion_page_id;
      if (page_id && !(await store.rewrite(page_id, view))) {
        await forgetIncidentPage(deps.db, incident.id);
        page_id = null;
      }
      // A create whose answer was lost left a page behind: find it by its Incident ID before creating another.
      page_id ??= (await store.find(incident.id)) ?? null;
      if (page_id && page_id !== incident.notion_page_id) await store.rewrite(page_id, view);
      page_id ??= await store.create(view);
      await recordIncidentPage(deps.db, incident.id, {
        page_id,
        hash,
        status: incident.status,
        now: now.toISOString(),
      });
      incident.notion_page_id = page_id;
      report.pages_written++;
    } catch (error) {
      report.page_error = String(error);
      return;
    }
  }
}

/** What a page shows, as hashed to tell whether it changed. */
function pageContent({ incident, runbook }: IncidentPageView) {
  const { page: _, notion_page_id: __, last_seen_at: ___, ...shown } = incident as StoredIncident;
  return { ...shown, runbook };
}

async function runbookOf(db: D1Database, tenant_id: string, tools: readonly string[]): Promise<IncidentRunbook | null> {
  for (const tool of tools) {
    const rows = await runbookRows(db, tenant_id, tool);
    const runbook = runbookFor(tool, rows.linked, rows.active);
    if (runbook) return { page_id: runbook.page_id, name: runbook.name };
  }
  return null;
}

async function linkedRunbook(db: D1Database, incident: Incident): Promise<IncidentRunbook | null> {
  if (!incident.runbook_page_id) return null;
  const name = await runbookName(db, incident.tenant_id, incident.runbook_page_id);
  return { page_id: incident.runbook_page_id, name: name ?? "Runbook" };
}

function merged(before: readonly string[], now: readonly string[]): string[] {
  return [...new Set([...before, ...now])].sort().slice(0, MAX_NAMED);
}

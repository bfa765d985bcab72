/** The incidents' SQL: incidents (one open per cause), their thresholds, the slow checks' clock, and their signals. */
import type { Condition, Figure, Incident, IncidentKind } from "./types";

interface IncidentRow {
  id: string;
  tenant_id: string;
  cause: string;
  kind: string;
  status: string;
  title: string;
  tools: string;
  agents: string;
  figures: string;
  opened_at: string;
  last_seen_at: string;
  clear_since: string | null;
  resolved_at: string | null;
  runbook_page_id: string | null;
  notion_page_id: string | null;
  summary: string | null;
  summary_by: string | null;
  page_hash: string | null;
  page_status: string | null;
  page_written_at: string | null;
}

/** An incident with what its Notion page last showed (the tick's bookkeeping; the admin API shows {@link Incident}). */
export interface StoredIncident extends Incident {
  page: { hash: string | null; status: string | null; written_at: string | null };
}

const fromRow = (row: IncidentRow): StoredIncident => ({
  id: row.id,
  tenant_id: row.tenant_id,
  cause: row.cause,
  kind: row.kind as IncidentKind,
  status: row.status as Incident["status"],
  title: row.title,
  tools: JSON.parse(row.tools) as string[],
  agents: JSON.parse(row.agents) as string[],
  figures: JSON.parse(row.figures) as Record<string, Figure>,
  opened_at: row.opened_at,
  last_seen_at: row.last_seen_at,
  clear_since: row.clear_since,
  resolved_at: row.resolved_at,
  runbook_page_id: row.runbook_page_id,
  notion_page_id: row.notion_page_id,
  summary: row.summary,
  summary_by: row.summary_by === "Claude" ? "Claude" : null,
  page: { hash: row.page_hash, status: row.page_status, written_at: row.page_written_at },
});

/** The tenant's open incidents, oldest first. */
export async function openIncidents(db: D1Database, tenant_id: string): Promise<StoredIncident[]> {
  const { results } = await db
    .prepare("SELECT * FROM incidents WHERE tenant_id = ? AND status = 'open' ORDER BY opened_at, id")
    .bind(tenant_id)
    .all<IncidentRow>();
  return results.map(fromRow);
}

/** Incidents whose page does not show their status yet (Notion was down), at most `limit`, oldest first. */
export async function incidentsWithStalePages(
  db: D1Database,
  tenant_id: string,
  limit: number,
): Promise<StoredIncident[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM incidents WHERE tenant_id = ? AND status = 'resolved' AND page_status IS NOT 'resolved'
        ORDER BY resolved_at LIMIT ?`,
    )
    .bind(tenant_id, limit)
    .all<IncidentRow>();
  return results.map(fromRow);
}

/**
 * Opens an incident for `condition`, unless one is already open for its cause (the unique index decides, so two
 * ticks at once cannot open two): true when this call opened it.
 */
export async function insertIncident(
  db: D1Database,
  incident: Pick<Incident, "id" | "tenant_id" | "runbook_page_id"> & { condition: Condition; now: string },
): Promise<boolean> {
  const { condition } = incident;
  const result = await db
    .prepare(
      `INSERT INTO incidents (id, tenant_id, cause, kind, status, title, tools, agents, figures, opened_at, last_seen_at,
         runbook_page_id)
       VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant_id, cause) WHERE status = 'open' DO NOTHING`,
    )
    .bind(
      incident.id,
      incident.tenant_id,
      condition.cause,
      condition.kind,
      condition.title,
      JSON.stringify(condition.tools),
      JSON.stringify(condition.agents),
      JSON.stringify(condition.figures),
      incident.now,
      incident.now,
      incident.runbook_page_id,
    )
    .run();
  return result.meta.changes === 1;
}

/**
 * The open incident's condition still holds: its title, tools, agents and figures are the latest; clearing stops;
 * a runbook found now is linked if none was.
 */
export async function updateIncidentSeen(
  db: D1Database,
  id: string,
  seen: { condition: Condition; tools: string[]; agents: string[]; runbook_page_id: string | null; now: string },
): Promise<void> {
  await db
    .prepare(
      `UPDATE incidents SET title = ?, tools = ?, agents = ?, figures = ?, last_seen_at = ?, clear_since = NULL,
         runbook_page_id = COALESCE(runbook_page_id, ?)
        WHERE id = ? AND status = 'open'`,
    )
    .bind(
      seen.condition.title,
      JSON.stringify(seen.tools),
      JSON.stringify(seen.agents),
      JSON.stringify(seen.condition.figures),
      seen.now,
      seen.runbook_page_id,
      id,
    )
    .run();
}

/** The open incident's condition is clear for the first time: the clear period starts at `now`. */
export async function markIncidentClearing(db: D1Database, id: string, now: string): Promise<void> {
  await db
    .prepare("UPDATE incidents SET clear_since = ? WHERE id = ? AND status = 'open' AND clear_since IS NULL")
    .bind(now, id)
    .run();
}

/** Resolves an open incident: true when this call resolved it (not already resolved). */
export async function resolveIncident(db: D1Database, id: string, now: string): Promise<boolean> {
  const result = await db
    .prepare("UPDATE incidents SET status = 'resolved', resolved_at = ? WHERE id = ? AND status = 'open'")
    .bind(now, id)
    .run();
  return result.meta.changes === 1;
}

/** Records the incident's page and what it now shows. */
export async function recordIncidentPage(
  db: D1Database,
  id: string,
  page: { page_id: string; hash: string; status: string; now: string },
): Promise<void> {
  await db
    .prepare(
      "UPDATE incidents SET notion_page_id = ?, page_hash = ?, page_status = ?, page_written_at = ? WHERE id = ?",
    )
    .bind(page.page_id, page.hash, page.status, page.now, id)
    .run();
}

/** Forgets a page that is gone, so the next write creates it again. */
export async function forgetIncidentPage(db: D1Database, id: string): Promise<void> {
  await db
    .prepare("UPDATE incidents SET notion_page_id = NULL, page_hash = NULL, page_status = NULL WHERE id = ?")
    .bind(id)
    .run();
}

/** Stores Claude's wording of the incident. */
export async function recordIncidentSummary(db: D1Database, id: string, summary: string): Promise<void> {
  await db.prepare("UPDATE incidents SET summary = ?, summary_by = 'Claude' WHERE id = ?").bind(summary, id).run();
}

/** The tenant's incidents for the admin API: open first (oldest first), then resolved (latest first). */
export async function listIncidents(db: D1Database, tenant_id: string, limit: number): Promise<Incident[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM incidents WHERE tenant_id = ?
        ORDER BY status = 'open' DESC, CASE WHEN status = 'open' THEN opened_at END ASC, resolved_at DESC, id
        LIMIT ?`,
    )
    .bind(tenant_id, limit)
    .all<IncidentRow>();
  return results.map((row) => publicIncident(fromRow(row)));
}

/** One of the tenant's incidents, or null (another tenant's incident is null too). */
export async function getIncident(db: D1Database, tenant_id: string, id: string): Promise<Incident | null> {
  const row = await db
    .prepare("SELECT * FROM incidents WHERE tenant_id = ? AND id = ?")
    .bind(tenant_id, id)
    .first<IncidentRow>();
  return row ? publicIncident(fromRow(row)) : null;
}

/** How many of the tenant's incidents opened, and how many resolved, in [from, to). */
export async function countIncidents(
  db: D1Database,
  tenant_id: string,
  from: string,
  to: string,
): Promise<{ opened: number; resolved: number }> {
  const row = await db
    .prepare(
      `SELECT SUM(CASE WHEN opened_at >= ?2 AND opened_at < ?3 THEN 1 ELSE 0 END) AS opened,
              SUM(CASE WHEN resolved_at >= ?2 AND resolved_at < ?3 THEN 1 ELSE 0 END) AS resolved
         FROM incidents WHERE tenant_id = ?1 AND (opened_at < ?3) AND (resolved_at IS NULL OR resolved_at >= ?2)`,
    )
    .bind(tenant_id, from, to)
    .first<{ opened: number | null; resolved: number | null }>();
  return { opened: row?.opened ?? 0, resolved: row?.resolved ?? 0 };
}

function publicIncident({ page: _, ...incident }: StoredIncident): Incident {
  return incident;
}

/** The tenant's stored threshold overrides (JSON), or null. */
export async function storedIncidentSettings(db: D1Database, tenant_id: string): Promise<string | null> {
  const row = await db
    .prepare("SELECT settings FROM incident_settings WHERE tenant_id = ?")
    .bind(tenant_id)
    .first<{ settings: string }>();
  return row?.settings ?? null;
}

/** Stores the tenant's thresholds (all of them, filled in). */
export async function saveIncidentSettings(
  db: D1Database,
  tenant_id: string,
  settings: object,
  now: string,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO incident_settings (tenant_id, settings, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (tenant_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`,
    )
    .bind(tenant_id, JSON.stringify(settings), now)
    .run();
}

/**
 * Claims a slow check for this tick when it last ran at least `every_ms` ago (or never): true when this call
 * claimed it, so two ticks at once run it once.
 */
export async function claimCheck(
  db: D1Database,
  tenant_id: string,
  name: string,
  now: Date,
  every_ms: number,
): Promise<boolean> {
  const result = await db
    .prepare(
      `INSERT INTO incident_checks (tenant_id, name, ran_at) VALUES (?1, ?2, ?3)
       ON CONFLICT (tenant_id, name) DO UPDATE SET ran_at = excluded.ran_at WHERE ran_at <= ?4`,
    )
    .bind(tenant_id, name, now.toISOString(), new Date(now.getTime() - every_ms).toISOString())
    .run();
  return result.meta.changes === 1;
}

/** One tool and agent's calls since the baseline began: denials and holds in the window, and before it. */
export interface ActivityRow {
  tool: string;
  agent_id: string;
  calls: number;
  denied: number;
  held: number;
  base_denied: number;
  base_held: number;
}

/** How many tool-and-agent pairs one tick reads (a bound on the tick, not on the tenant). */
const MAX_ACTIVITY_ROWS = 2_000;

/** Each tool and agent's calls, denials and holds in [window_start, now), and denials and holds in [since, window_start). */
export async function toolActivity(
  db: D1Database,
  tenant_id: string,
  since: string,
  window_start: string,
): Promise<ActivityRow[]> {
  const { results } = await db
    .prepare(
      `SELECT tool, agent_id,
              SUM(CASE WHEN created_at >= ?3 THEN 1 ELSE 0 END) AS calls,
              SUM(CASE WHEN created_at >= ?3 AND outcome = 'denied' THEN 1 ELSE 0 END) AS denied,
              SUM(CASE WHEN created_at >= ?3 AND outcome = 'pending_approval' THEN 1 ELSE 0 END) AS held,
              SUM(CASE WHEN created_at < ?3 AND outcome = 'denied' THEN 1 ELSE 0 END) AS base_denied,
              SUM(CASE WHEN created_at < ?3 AND outcome = 'pending_approval' THEN 1 ELSE 0 END) AS base_held
         FROM audit_log WHERE tenant_id = ?1 AND created_at >= ?2
        GROUP BY tool, agent_id ORDER BY tool, agent_id LIMIT ?4`,
    )
    .bind(tenant_id, since, window_start, MAX_ACTIVITY_ROWS)
    .all<ActivityRow>();
  return results;
}

/**
 * The tenants a tick looks at: those with calls since `since`, with an open incident, or connected to Notion; at
 * most `limit`, in a stable order.
 */
export async function incidentTenants(db: D1Database, since: string, limit: number): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT tenant_id FROM (
         SELECT DISTINCT tenant_id FROM audit_log WHERE created_at >= ?1
         UNION SELECT tenant_id FROM incidents WHERE status = 'open'
         UNION SELECT tenant_id FROM notion_connections)
       ORDER BY tenant_id LIMIT ?2`,
    )
    .bind(since, limit)
    .all<{ tenant_id: string }>();
  return results.map((row) => row.tenant_id);
}

/** The runbook rows an incident on `tool` may link: the one its Tools row names, and every Active one. */
export async function runbookRows(
  db: D1Database,
  tenant_id: string,
  tool: string,
): Promise<{ linked: Record<string, unknown> | undefined; active: Record<string, unknown>[] }> {
  const [linked, active] = await db.batch<Record<string, unknown>>([
    db
      .prepare(
        `SELECT r.page_id, r.name, r.checks FROM tool_settings s JOIN runbooks r
           ON r.tenant_id = s.tenant_id AND r.page_id = s.runbook_page_id
          WHERE s.tenant_id = ? AND s.tool = ? AND r.status = 'Active'`,
      )
      .bind(tenant_id, tool),
    db
      .prepare(
        "SELECT page_id, name, checks, tools FROM runbooks WHERE tenant_id = ? AND status = 'Active' ORDER BY name",
      )
      .bind(tenant_id),
  ]);
  return { linked: linked?.results[0], active: active?.results ?? [] };
}

/** A runbook's name, or null when the sync no longer has it. */
export async function runbookName(db: D1Database, tenant_id: string, page_id: string): Promise<string | null> {
  const row = await db
    .prepare("SELECT name FROM runbooks WHERE tenant_id = ? AND page_id = ?")
    .bind(tenant_id, page_id)
    .first<{ name: string }>();
  return row?.name ?? null;
}

/** What the cron last wrote to each of the tenant's Tools rows' Host health column, by tool. */
export async function writtenHostHealth(db: D1Database, tenant_id: string): Promise<Map<string, string>> {
  const { results } = await db
    .prepare("SELECT tool, written FROM tool_host_health WHERE tenant_id = ?")
    .bind(tenant_id)
    .all<{ tool: string; written: string }>();
  return new Map(results.map((row) => [row.tool, row.written]));
}

/** Records what a Tools row's Host health column now shows. */
export async function recordHostHealthWritten(
  db: D1Database,
  tenant_id: string,
  tool: string,
  written: string,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO tool_host_health (tenant_id, tool, written) VALUES (?, ?, ?)
       ON CONFLICT (tenant_id, tool) DO UPDATE SET written = excluded.written`,
    )
    .bind(tenant_id, tool, written)
    .run();
}

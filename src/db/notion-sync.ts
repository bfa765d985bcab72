/**
 * What the Notion sync writes to the tables Notion governs: the settings people keep per tool (and the Worker's
 * bookkeeping of the Tools catalog it writes back), runbooks, and agents. Statements are returned unrun where the
 * sync applies them in its batches, so what is in force changes together.
 */

/** What a person set for a tool in the Tools database. */
export interface ToolSetting {
  tool: string;
  page_id: string;
  risk: string | null;
  cost_cents: number | null;
  runbook_page_id: string | null;
}

/** A Runbooks row as D1 keeps it. */
export interface Runbook {
  page_id: string;
  name: string;
  /** The tool patterns it covers. */
  tools: readonly string[];
  checks: string;
  status: string;
}

/** What an Agents row governs of its agent. */
export interface AgentGovernance {
  name: string;
  owner: string | null;
  status: string;
  scopes: readonly string[];
  /** Tool patterns. */
  allowed_tools: readonly string[];
}

/** A tool's Tools row as the catalog write-back last left it. */
export interface CatalogState {
  tool: string;
  page_id: string | null;
  written_hash: string | null;
}

/** The statement that stores what a person set for a tool. */
export function toolSettingStatement(db: D1Database, tenant_id: string, setting: ToolSetting): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO tool_settings (tenant_id, tool, page_id, risk, cost_cents, runbook_page_id) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (tenant_id, tool) DO UPDATE SET page_id = excluded.page_id, risk = excluded.risk,
       cost_cents = excluded.cost_cents, runbook_page_id = excluded.runbook_page_id`,
    )
    .bind(tenant_id, setting.tool, setting.page_id, setting.risk, setting.cost_cents, setting.runbook_page_id);
}

/** The statement that unlinks a tool from its deleted Tools row, so the catalog writes the row again. */
export function unlinkToolPageStatement(
  db: D1Database,
  tenant_id: string,
  tool: string,
  page_id: string,
): D1PreparedStatement {
  return db
    .prepare(
      "UPDATE tool_settings SET page_id = NULL, written_hash = NULL WHERE tenant_id = ? AND tool = ? AND page_id = ?",
    )
    .bind(tenant_id, tool, page_id);
}

/** Every tool's Tools row as the catalog write-back last left it. */
export async function catalogStates(db: D1Database, tenant_id: string): Promise<CatalogState[]> {
  const { results } = await db
    .prepare("SELECT tool, page_id, written_hash FROM tool_settings WHERE tenant_id = ?")
    .bind(tenant_id)
    .all<CatalogState>();
  return results;
}

/** Records `marker` as the tool's written hash before its row is created (a create whose answer may be lost). */
export async function markCatalogCreate(db: D1Database, tenant_id: string, tool: string, marker: string) {
  await db
    .prepare(
      `INSERT INTO tool_settings (tenant_id, tool, written_hash) VALUES (?, ?, ?)
         ON CONFLICT (tenant_id, tool) DO UPDATE SET written_hash = excluded.written_hash`,
    )
    .bind(tenant_id, tool, marker)
    .run();
}

/** Records the tool's Tools row and the hash of the catalog columns written to it. */
export async function recordCatalogWrite(
  db: D1Database,
  tenant_id: string,
  tool: string,
  page_id: string,
  hash: string,
): Promise<void> {
  await db
    .prepare("UPDATE tool_settings SET page_id = ?, written_hash = ? WHERE tenant_id = ? AND tool = ?")
    .bind(page_id, hash, tenant_id, tool)
    .run();
}

/** The statement that stores a Runbooks row. */
export function runbookStatement(db: D1Database, tenant_id: string, runbook: Runbook): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO runbooks (tenant_id, page_id, name, tools, checks, status) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (tenant_id, page_id) DO UPDATE SET name = excluded.name, tools = excluded.tools,
       checks = excluded.checks, status = excluded.status`,
    )
    .bind(tenant_id, runbook.page_id, runbook.name, JSON.stringify(runbook.tools), runbook.checks, runbook.status);
}

/** The statement that forgets a deleted Runbooks row. */
export function deleteRunbookStatement(db: D1Database, tenant_id: string, page_id: string): D1PreparedStatement {
  return db.prepare("DELETE FROM runbooks WHERE tenant_id = ? AND page_id = ?").bind(tenant_id, page_id);
}

/** The statement that applies an Agents row to its agent (keys are the admin API's; Notion governs the rest). */
export function agentGovernanceStatement(
  db: D1Database,
  tenant_id: string,
  agent_id: string,
  governed: AgentGovernance,
): D1PreparedStatement {
  return db
    .prepare(
      "UPDATE agents SET name = ?, owner = ?, status = ?, scopes = ?, allowed_tools = ? WHERE tenant_id = ? AND id = ?",
    )
    .bind(
      governed.name,
      governed.owner,
      governed.status,
      JSON.stringify(governed.scopes),
      JSON.stringify(governed.allowed_tools),
      tenant_id,
      agent_id,
    );
}

/**
 * What the Notion sync writes to the tables Notion governs besides tool settings (src/db/tool-settings.ts): runbooks
 * and agents. Statements are returned unrun where the sync applies them in its batches, so what is in force changes
 * together.
 */

/** A Runbooks row as D1 keeps it. */
export interface Runbook {
  page_id: string;
  name: string;
  /** The tool patterns it covers. */
  tools: readonly string[];
  checks: string;
  /** What operators do when an incident opens on its tools; '' when the row says nothing. */
  recovery: string;
  /** Who does what during an incident. */
  operator_lanes: string;
  /** How to undo what the tools did. */
  rollback: string;
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
  /** The people it may act for (src/db/tenancy.ts Agent.acts_for). */
  acts_for: readonly string[];
  /** The workspaces it may name. */
  workspaces: readonly string[];
}

/** The statement that stores a Runbooks row. */
export function runbookStatement(db: D1Database, tenant_id: string, runbook: Runbook): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO runbooks (tenant_id, page_id, name, tools, checks, recovery, operator_lanes, rollback, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (tenant_id, page_id) DO UPDATE SET name = excluded.name, tools = excluded.tools,
       checks = excluded.checks, recovery = excluded.recovery, operator_lanes = excluded.operator_lanes,
       rollback = excluded.rollback, status = excluded.status`,
    )
    .bind(
      tenant_id,
      runbook.page_id,
      runbook.name,
      JSON.stringify(runbook.tools),
      runbook.checks,
      runbook.recovery,
      runbook.operator_lanes,
      runbook.rollback,
      runbook.status,
    );
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
      `UPDATE agents SET name = ?, owner = ?, status = ?, scopes = ?, allowed_tools = ?, acts_for = ?, workspaces = ?
        WHERE tenant_id = ? AND id = ?`,
    )
    .bind(
      governed.name,
      governed.owner,
      governed.status,
      JSON.stringify(governed.scopes),
      JSON.stringify(governed.allowed_tools),
      JSON.stringify(governed.acts_for),
      JSON.stringify(governed.workspaces),
      tenant_id,
      agent_id,
    );
}

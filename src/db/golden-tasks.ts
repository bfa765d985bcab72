/** A tenant's golden tasks in D1 (`golden_tasks`): named calls with the decision the tenant expects of them. */

/** The decisions a golden task may expect. */
export const GOLDEN_VERDICTS = ["authorized", "escalated", "denied"] as const;

/** A golden task's settings, as the admin API, the CLI and the Golden tasks database give them. */
export interface GoldenTaskSettings {
  name: string;
  tool: string;
  arguments: Record<string, unknown>;
  /** The calling agent's name or id. */
  agent: string;
  acts_for: string | null;
  workspace: string | null;
  expected: (typeof GOLDEN_VERDICTS)[number];
  expected_reason: string | null;
  status: "active" | "paused";
}

/** What one check of a golden task gave. */
export interface GoldenResult {
  name: string;
  expected: GoldenTaskSettings["expected"];
  expected_reason: string | null;
  /** The candidate's verdict, or `unresolved` when the task's agent, tool or caller facts could not be resolved. */
  got: GoldenTaskSettings["expected"] | "unresolved";
  reason_code: string;
  passed: boolean;
}

/** A golden task's last result as written back after a check. */
export type LastGoldenResult = GoldenResult & { release_id: string | null; snapshot: string; at: string };

/** Where a golden task is set: the admin API (or CLI), or a row of the tenant's Golden tasks database. */
export type GoldenTaskSource = "api" | "notion";

/** A stored golden task. */
export interface GoldenTask extends GoldenTaskSettings {
  source: GoldenTaskSource;
  last_result: LastGoldenResult | null;
  updated_at: string;
}

interface StoredTask {
  name: string;
  tool: string;
  arguments: string;
  agent: string;
  acts_for: string | null;
  workspace: string | null;
  expected: GoldenTask["expected"];
  expected_reason: string | null;
  status: GoldenTask["status"];
  source: GoldenTaskSource;
  last_result: string | null;
  updated_at: string;
}

function taskOf(row: StoredTask): GoldenTask {
  return {
    ...row,
    arguments: JSON.parse(row.arguments) as Record<string, unknown>,
    last_result: row.last_result === null ? null : (JSON.parse(row.last_result) as LastGoldenResult),
  };
}

/** A tenant's golden tasks by name; `active` only the ones checked. */
export async function listGoldenTasks(db: D1Database, tenant_id: string, active = false): Promise<GoldenTask[]> {
  const { results } = await db
    .prepare(
      `SELECT name, tool, arguments, agent, acts_for, workspace, expected, expected_reason, status, source, last_result,
         updated_at FROM golden_tasks WHERE tenant_id = ? ${active ? "AND status = 'active'" : ""} ORDER BY name`,
    )
    .bind(tenant_id)
    .all<StoredTask>();
  return results.map(taskOf);
}

/**
 * Creates or replaces the tenant's task of that name (its last result is forgotten: it was for other settings). The
 * admin API takes a task over from the Golden tasks database: Notion's row is then refused until renamed.
 */
export async function putGoldenTask(db: D1Database, tenant_id: string, task: GoldenTaskSettings, now: string) {
  await db
    .prepare(
      `INSERT INTO golden_tasks (tenant_id, name, tool, arguments, agent, acts_for, workspace, expected, expected_reason,
         status, last_result, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)
       ON CONFLICT (tenant_id, name) DO UPDATE SET tool = excluded.tool, arguments = excluded.arguments,
         agent = excluded.agent, acts_for = excluded.acts_for, workspace = excluded.workspace,
         expected = excluded.expected, expected_reason = excluded.expected_reason, status = excluded.status,
         last_result = NULL, updated_at = excluded.updated_at, source = 'api', notion_page_id = NULL,
         result_written = NULL`,
    )
    .bind(...taskValues(tenant_id, task), now)
    .run();
}

/**
 * A task's values in the column order every upsert of `golden_tasks` writes them: tenant_id, name, tool, arguments,
 * agent, acts_for, workspace, expected, expected_reason, status.
 */
export function taskValues(tenant_id: string, task: GoldenTaskSettings): unknown[] {
  return [
    tenant_id,
    task.name,
    task.tool,
    JSON.stringify(task.arguments),
    task.agent,
    task.acts_for,
    task.workspace,
    task.expected,
    task.expected_reason,
    task.status,
  ];
}

/** Deletes the tenant's task of that name; answers whether there was one. */
export async function deleteGoldenTask(db: D1Database, tenant_id: string, name: string): Promise<boolean> {
  const result = await db
    .prepare("DELETE FROM golden_tasks WHERE tenant_id = ? AND name = ?")
    .bind(tenant_id, name)
    .run();
  return (result.meta.changes ?? 0) > 0;
}

/** The statements writing each task's last result back. */
export function lastResultStatements(
  db: D1Database,
  tenant_id: string,
  results: readonly LastGoldenResult[],
): D1PreparedStatement[] {
  return results.map((result) =>
    db
      .prepare("UPDATE golden_tasks SET last_result = ? WHERE tenant_id = ? AND name = ?")
      .bind(JSON.stringify(result), tenant_id, result.name),
  );
}

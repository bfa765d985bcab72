/**
 * The golden tasks a tenant's Golden tasks database sets (`golden_tasks` rows with source 'notion', migration 0023):
 * the sync's upserts and removals, and the Last result text each row is to show.
 */
import { taskValues, type GoldenTaskSettings, type LastGoldenResult } from "./golden-tasks";

/** The owner of each of the tenant's golden task names: 'api', or the Golden tasks row (page id) that sets it. */
export async function goldenTaskOwners(db: D1Database, tenant_id: string): Promise<Map<string, string>> {
  const { results } = await db
    .prepare("SELECT name, source, notion_page_id FROM golden_tasks WHERE tenant_id = ?")
    .bind(tenant_id)
    .all<{ name: string; source: string; notion_page_id: string | null }>();
  return new Map(results.map((row) => [row.name, row.source === "notion" ? (row.notion_page_id ?? "") : "api"]));
}

/**
 * The statements that make `task` the one `page_id` sets: the row's task under its old name goes (a rename), and the
 * task is created or replaced, unless the admin API holds that name (then nothing changes). Its last result is
 * forgotten, as any change of settings forgets it.
 */
export function notionGoldenTaskStatements(
  db: D1Database,
  tenant_id: string,
  page_id: string,
  task: GoldenTaskSettings,
  now: string,
): D1PreparedStatement[] {
  return [
    db
      .prepare("DELETE FROM golden_tasks WHERE tenant_id = ? AND notion_page_id = ? AND name <> ?")
      .bind(tenant_id, page_id, task.name),
    db
      .prepare(
        `INSERT INTO golden_tasks (tenant_id, name, tool, arguments, agent, acts_for, workspace, expected,
           expected_reason, status, last_result, updated_at, source, notion_page_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, 'notion', ?)
         ON CONFLICT (tenant_id, name) DO UPDATE SET tool = excluded.tool, arguments = excluded.arguments,
           agent = excluded.agent, acts_for = excluded.acts_for, workspace = excluded.workspace,
           expected = excluded.expected, expected_reason = excluded.expected_reason, status = excluded.status,
           last_result = NULL, updated_at = excluded.updated_at, notion_page_id = excluded.notion_page_id
         WHERE golden_tasks.source = 'notion'`,
      )
      .bind(...taskValues(tenant_id, task), now, page_id),
  ];
}

/** The statement that removes the task a Golden tasks row set (the row was deleted or moved to the trash). */
export function removeNotionGoldenTaskStatement(db: D1Database, tenant_id: string, page_id: string) {
  return db
    .prepare("DELETE FROM golden_tasks WHERE tenant_id = ? AND source = 'notion' AND notion_page_id = ?")
    .bind(tenant_id, page_id);
}

/** A Notion-set task whose row is to show its last result (or that it has none since its last edit). */
export interface GoldenResultToWrite {
  name: string;
  page_id: string;
  last_result: LastGoldenResult | null;
  written: string | null;
}

/** The tenant's Notion-set tasks, with their last result and the Last result text their row shows now. */
export async function notionGoldenResults(db: D1Database, tenant_id: string): Promise<GoldenResultToWrite[]> {
  const { results } = await db
    .prepare(
      `SELECT name, notion_page_id AS page_id, last_result, result_written AS written FROM golden_tasks
        WHERE tenant_id = ? AND source = 'notion' AND notion_page_id IS NOT NULL ORDER BY name`,
    )
    .bind(tenant_id)
    .all<{ name: string; page_id: string; last_result: string | null; written: string | null }>();
  return results.map((row) => ({
    ...row,
    last_result: row.last_result === null ? null : (JSON.parse(row.last_result) as LastGoldenResult),
  }));
}

/** Records the Last result text a row now shows (only if the row still sets the task). */
export async function markGoldenResultWritten(
  db: D1Database,
  tenant_id: string,
  page_id: string,
  text: string,
): Promise<void> {
  await db
    .prepare(
      "UPDATE golden_tasks SET result_written = ? WHERE tenant_id = ? AND source = 'notion' AND notion_page_id = ?",
    )
    .bind(text, tenant_id, page_id)
    .run();
}

import { GOLDEN_VERDICTS } from "../../db/golden-tasks";
import { notionGoldenTaskStatements, removeNotionGoldenTaskStatement } from "../../db/notion-golden-tasks";
import { goldenTaskSchema } from "../../release/golden";
import { appliedOf, type Applied, type Changes, type Verdict } from "./changes";
import { textOf, type RowValues } from "./row-values";

/** The column the Worker writes after each release check; like Sync status it is never part of a row's content. */
export const LAST_RESULT = "Last result";

const STATUSES = { Active: "active", Paused: "paused" } as const;

/** Where each field of a task comes from, to name the column a refusal is about. */
const COLUMNS: Record<string, string> = {
  name: "Name",
  tool: "Tool",
  arguments: "Arguments",
  agent: "Agent",
  acts_for: "Acts for",
  workspace: "Workspace",
  expected: "Expected decision",
  expected_reason: "Expected reason",
  status: "Status",
};

/**
 * Applies changed Golden tasks rows to the tenant's golden tasks. A row is taken whole or not at all: one that
 * fails validation changes nothing and says why (its previous version stays checked). Names are unique per tenant,
 * and a name the admin API set stays the API's: Notion never overwrites or deletes a task it did not set. A
 * deleted row's task goes.
 *
 * `owners` maps each task name to "api" or the page id of the row that sets it (src/db/notion-golden-tasks.ts).
 */
export function syncGoldenTasks(db: D1Database, owners: ReadonlyMap<string, string>, changes: Changes): Applied {
  const verdicts = new Map<string, Verdict>();
  const statements: D1PreparedStatement[] = changes.removed.map((page_id) =>
    removeNotionGoldenTaskStatement(db, changes.tenant_id, page_id),
  );
  const claimed = new Map(owners);
  // A removed row's name is free for the rows changed in the same sync.
  for (const [name, owner] of owners) if (changes.removed.includes(owner)) claimed.delete(name);
  for (const row of changes.changed) {
    const task = goldenTaskOf(row.values);
    if (!task.ok) {
      verdicts.set(row.page_id, { ok: false, reason: task.reason });
      continue;
    }
    const owner = claimed.get(task.value.name);
    if (owner === "api") {
      verdicts.set(row.page_id, {
        ok: false,
        reason: `Name: "${task.value.name}" is a golden task set through the admin API (policy-os golden); rename this row, or remove that task with \`policy-os golden remove\``,
      });
      continue;
    }
    if (owner !== undefined && owner !== row.page_id) {
      verdicts.set(row.page_id, { ok: false, reason: `Name: "${task.value.name}" is already used by another row` });
      continue;
    }
    for (const [name, holder] of claimed) if (holder === row.page_id) claimed.delete(name);
    claimed.set(task.value.name, row.page_id);
    statements.push(...notionGoldenTaskStatements(db, changes.tenant_id, row.page_id, task.value, changes.now));
    verdicts.set(row.page_id, {
      ok: true,
      status:
        task.value.status === "active"
          ? "ok · Active: every candidate policy snapshot is checked against it"
          : "ok · Paused: not checked",
    });
  }
  return appliedOf(changes, verdicts, statements);
}

/** A row's task, validated as the admin API validates one (goldenTaskSchema), or why it is not one. */
function goldenTaskOf(values: RowValues) {
  const text = (column: string) => textOf(values[column]).trim();
  const optional = (column: string) => text(column) || null;
  const expected = text("Expected decision");
  if (!expected)
    return { ok: false as const, reason: `Expected decision: is empty; choose ${GOLDEN_VERDICTS.join(", ")}` };
  const status = text("Status") || "Paused";
  if (!(status in STATUSES))
    return { ok: false as const, reason: `Status: "${status}" is not one of ${Object.keys(STATUSES).join(", ")}` };
  let args: unknown = {};
  if (text("Arguments")) {
    try {
      args = JSON.parse(text("Arguments"));
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return { ok: false as const, reason: `Arguments: is not JSON (${why.slice(0, 200)}); write a JSON object` };
    }
  }
  const parsed = goldenTaskSchema.safeParse({
    name: text("Name"),
    tool: text("Tool"),
    arguments: args,
    agent: text("Agent"),
    acts_for: optional("Acts for"),
    workspace: optional("Workspace"),
    expected,
    expected_reason: optional("Expected reason"),
    status: STATUSES[status as keyof typeof STATUSES],
  });
  if (parsed.success) return { ok: true as const, value: parsed.data };
  const issue = parsed.error.issues[0]!;
  const column = COLUMNS[String(issue.path[0])] ?? String(issue.path[0]);
  return { ok: false as const, reason: `${column}: ${describeIssue(issue, values, column)}` };
}

function describeIssue(issue: { code: string; message: string }, values: RowValues, column: string): string {
  const value = textOf(values[column]).trim();
  if (value === "") return "is empty";
  if (column === "Arguments") return 'is not a JSON object; write one, e.g. {"amount_cents": 60000}';
  if (column === "Expected decision") return `"${value}" is not one of ${GOLDEN_VERDICTS.join(", ")}`;
  return issue.message;
}

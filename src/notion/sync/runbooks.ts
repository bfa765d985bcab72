import { deleteRunbookStatement, runbookStatement } from "../../db/notion-sync";
import { appliedOf, type Applied, type Changes, type Verdict } from "./changes";
import { textOf } from "./row-values";
import { toolPatterns } from "./tool-patterns";

const STATUSES = ["Draft", "Active", "Retired"];

/** Applies changed Runbooks rows (approval and incident pages link the Active ones); a deleted row's runbook goes. */
export function syncRunbooks(db: D1Database, changes: Changes): Applied {
  const verdicts = new Map<string, Verdict>();
  const statements: D1PreparedStatement[] = changes.removed.map((page_id) =>
    deleteRunbookStatement(db, changes.tenant_id, page_id),
  );
  for (const row of changes.changed) {
    const name = textOf(row.values.Name).trim();
    const status = textOf(row.values.Status).trim() || "Draft";
    const tools = toolPatterns("Tools", textOf(row.values.Tools));
    let reason: string | null = null;
    if (!name) reason = "Name: is empty; say what the runbook is for";
    else if (!STATUSES.includes(status)) reason = `Status: "${status}" is not one of ${STATUSES.join(", ")}`;
    else if (!tools.ok) reason = tools.reason;
    if (reason !== null || !tools.ok) {
      verdicts.set(row.page_id, { ok: false, reason: reason ?? "invalid row" });
      continue;
    }
    statements.push(
      runbookStatement(db, changes.tenant_id, {
        page_id: row.page_id,
        name,
        tools: tools.patterns,
        checks: textOf(row.values.Checks),
        recovery: textOf(row.values.Recovery),
        operator_lanes: textOf(row.values["Operator lanes"]),
        rollback: textOf(row.values.Rollback),
        status,
      }),
    );
    verdicts.set(row.page_id, {
      ok: true,
      status: status === "Active" ? "ok · linked from approval pages" : `ok · ${status}`,
    });
  }
  return appliedOf(changes, verdicts, statements);
}

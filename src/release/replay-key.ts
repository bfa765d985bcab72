/**
 * What decide() can see of a recorded call, as one string: replay decides each distinct request once per snapshot
 * (recorded traffic repeats the same tool, agent and arguments), so the key must hold everything that can change a
 * verdict. Rows read `args`, `agent` and `tool` whole (a condition's budget weighs all of `args`, not only the keys
 * it names); of `context`, the routing reads only the user and the workspace, and a condition the rest of it.
 */
import type { DecisionInput } from "../db/decision-inputs";
import type { CompiledPolicy } from "../policy";

const CONTEXT = /\bcontext\b/;

/** Whether a condition among `rows` may read `context` (judged from its source, erring towards "may"). */
export function readsContext(rows: readonly CompiledPolicy[]): boolean {
  return rows.some((row) => CONTEXT.test(row.condition));
}

/**
 * The request decide() is asked about `input`, as a string: two inputs of the same tool with equal keys get the
 * same decision from one snapshot. `withContext` keeps the whole context (a condition may read it); otherwise only
 * the user and workspace, which a row's Users and Scopes lists read. Inputs are JSON values, as read from D1.
 */
export function replayKeyOf(input: DecisionInput, withContext: boolean): string {
  const { tool, agent, context } = input.facts;
  const seen = withContext ? context : [context.user, context.workspace];
  return JSON.stringify([tool, agent, seen, input.args]);
}

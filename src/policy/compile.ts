import { hashOf } from "../ledger";
import { compileCondition, compileCost, type CompiledCondition, type CompiledCost } from "./cel";
import { parsePolicyRow, type PolicyRow } from "./policy-row.schema";
import { buildToolIndex } from "./tool-index";
import { plannerOf, type DecisionPlan } from "./decision-plan";
import type { DefaultPosture, RowRejection } from "./types";

/** A row ready for decide(): its data plus the compiled condition, match sets and rank. */
export interface CompiledPolicy extends Readonly<PolicyRow> {
  /** Position in the deciding order (priority descending, then Policy ID ascending); 0 decides first. */
  readonly rank: number;
  readonly compiledCondition: CompiledCondition | null;
  readonly agentSet: ReadonlySet<string> | null;
  readonly scopeSet: ReadonlySet<string> | null;
  readonly userSet: ReadonlySet<string> | null;
  /** A condition error counts as a match (block and pause modes). */
  readonly failsClosed: boolean;
  /** Cost rows with a Cost expression: the compiled expression. */
  readonly compiledCost: CompiledCost | null;
}

/** The compiled, immutable policy set that decide() and toolPolicyState() read. */
export interface PolicySnapshot {
  /** `sha256:<hex>` of the compiled rows (sorted by Policy ID) and the posture. */
  readonly hash: string;
  readonly posture: Readonly<DefaultPosture>;
  /** Active and Shadow policies in deciding order. */
  readonly policies: readonly CompiledPolicy[];
  /** Policies whose tool patterns match the name, in deciding order (memoised, bounded). */
  candidates(toolName: string): readonly CompiledPolicy[];
  /** The index decide() reads for the tool's candidates (src/policy/decision-plan.ts; memoised, bounded). */
  plan(toolName: string): DecisionPlan;
}

/** Options for compilePolicies. */
export interface CompileOptions {
  posture: DefaultPosture;
}

/** The snapshot built from the valid rows, and a reason for every row that was refused. */
export interface CompileResult {
  snapshot: PolicySnapshot;
  rejected: RowRejection[];
}

function rowLabel(input: unknown, index: number): string {
  if (typeof input === "object" && input !== null) {
    const id = (input as Record<string, unknown>)["Policy ID"];
    if (typeof id === "string" && id.trim() !== "") return id.trim();
  }
  return String(index);
}

function setOrNull(values: readonly string[]): ReadonlySet<string> | null {
  return values.length === 0 ? null : new Set(values);
}

/** Deciding order: priority descending, then Policy ID ascending. */
export function byDecidingOrder(a: PolicyRow, b: PolicyRow): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.policy_id < b.policy_id ? -1 : a.policy_id > b.policy_id ? 1 : 0;
}

function costOf(row: PolicyRow): CompiledCost | null {
  if (row.guard?.kind !== "cost" || row.guard.cost === "") return null;
  const compiled = compileCost(row.guard.cost);
  // parsePolicyRow already refused rows whose cost expression does not compile.
  if (!compiled.ok) throw new Error(`cost of ${row.policy_id} no longer compiles: ${compiled.error}`);
  return compiled.cost;
}

/** Parses Notion rows, refuses invalid ones and duplicate ids, skips Draft/Retired, and indexes the rest. */
export async function compilePolicies(rows: unknown[], options: CompileOptions): Promise<CompileResult> {
  const rejected: RowRejection[] = [];
  const parsed: { row: PolicyRow; label: string }[] = [];
  rows.forEach((input, index) => {
    const result = parsePolicyRow(input);
    if (result.ok) parsed.push({ row: result.row, label: rowLabel(input, index) });
    else rejected.push({ row: rowLabel(input, index), reason: result.reason });
  });

  const uses = new Map<string, number>();
  for (const { row } of parsed) uses.set(row.policy_id, (uses.get(row.policy_id) ?? 0) + 1);
  const accepted: PolicyRow[] = [];
  for (const { row, label } of parsed) {
    const count = uses.get(row.policy_id) ?? 0;
    if (count > 1)
      rejected.push({
        row: label,
        reason: `Policy ID: "${row.policy_id}" is used by ${count} rows; give each row its own id`,
      });
    else accepted.push(row);
  }

  const live = accepted.filter((row) => row.status === "Active" || row.status === "Shadow").sort(byDecidingOrder);
  // Rows sharing a condition share one program: fewer ASTs keep evaluation in cache at thousands of rows.
  const programs = new Map<string, CompiledCondition>();
  const policies = live.map((row, rank): CompiledPolicy => {
    let compiledCondition: CompiledCondition | null = null;
    if (row.condition !== "") {
      compiledCondition = programs.get(row.condition) ?? null;
      if (!compiledCondition) {
        const compiled = compileCondition(row.condition);
        // parsePolicyRow already refused rows whose condition does not compile.
        if (!compiled.ok) throw new Error(`condition of ${row.policy_id} no longer compiles: ${compiled.error}`);
        compiledCondition = compiled.condition;
        programs.set(row.condition, compiledCondition);
      }
    }
    // One literal with a fixed key order keeps every policy on one hidden class, so decide()'s reads stay monomorphic.
    return {
      policy_id: row.policy_id,
      name: row.name,
      type: row.type,
      mode: row.mode,
      status: row.status,
      tools: row.tools,
      agents: row.agents,
      scopes: row.scopes,
      users: row.users,
      approvers: row.approvers,
      tags: row.tags,
      channels: row.channels ?? [],
      condition: row.condition,
      priority: row.priority,
      reason_code: row.reason_code,
      message: row.message,
      rank,
      compiledCondition,
      agentSet: setOrNull(row.agents),
      scopeSet: setOrNull(row.scopes),
      userSet: setOrNull(row.users),
      failsClosed: row.mode === "block" || row.mode === "pause",
      guard: row.guard,
      compiledCost: costOf(row),
    };
  });

  const posture: DefaultPosture = { ...options.posture };
  const hashed = [...live].sort((a, b) => (a.policy_id < b.policy_id ? -1 : 1));
  const hash = await hashOf({ posture, policies: hashed });
  const index = buildToolIndex(policies);
  const candidates = (toolName: string) => index.candidates(toolName);
  const snapshot: PolicySnapshot = {
    hash,
    posture: Object.freeze(posture),
    policies,
    candidates,
    plan: plannerOf(candidates),
  };
  return { snapshot, rejected };
}

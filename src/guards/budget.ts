/**
 * Cost guards: the budget lines a call reserves in its tenant's budget book (one per cost policy and counter), and
 * what to do with the book's answer.
 */
import type { BudgetDenial, BudgetLine, BudgetLineStatus } from "../budgets";
import type { CompiledPolicy } from "../policy";
import type { ConditionVars } from "../policy/cel";

/** A line with the policy that asked for it. */
export interface CostLine extends BudgetLine {
  policy: CompiledPolicy;
}

/** The cost policies' lines for one call, or the policy whose Cost expression failed (fail closed when it enforces). */
export type CostLines =
  | { ok: true; lines: CostLine[]; errors: { policy_id: string; error: string }[] }
  | { ok: false; policy: CompiledPolicy; error: string };

export interface CostFacts {
  vars: ConditionVars;
  /** The tool's Cost from the Tools database, in cents. */
  tool_cost_cents: number | null;
  invocation_id: string;
  /** Policies whose pause an approval on file has lifted for this call: their caps count but do not stop it. */
  approved: ReadonlySet<string>;
}

/**
 * One line per active cost policy and counter: per run (the call's `run_id`, else the call itself), agent, each of
 * the agent's scopes the policy names (all of them when it names none) or the workspace. Block and pause policies
 * enforce their cap; alert and log policies count spend past it. Lines that cost nothing are left out.
 */
export function costLines(guards: readonly CompiledPolicy[], facts: CostFacts): CostLines {
  const lines: CostLine[] = [];
  const errors: { policy_id: string; error: string }[] = [];
  for (const policy of guards) {
    const guard = policy.guard;
    if (guard?.kind !== "cost" || policy.status !== "Active") continue;
    const enforce = (policy.mode === "block" || policy.mode === "pause") && !facts.approved.has(policy.policy_id);
    let amount = 1;
    if (guard.unit === "usd_cents") {
      if (policy.compiledCost) {
        const cost = policy.compiledCost.evaluate(facts.vars);
        if (!cost.ok) {
          if (enforce) return { ok: false, policy, error: cost.error };
          errors.push({ policy_id: policy.policy_id, error: cost.error });
          continue;
        }
        amount = cost.cost;
      } else amount = facts.tool_cost_cents ?? 0;
    }
    if (amount === 0) continue;
    const { agent, context } = facts.vars;
    const subjects =
      guard.per === "run"
        ? [context.run_id ?? facts.invocation_id]
        : guard.per === "agent"
          ? [agent.id]
          : guard.per === "workspace"
            ? ["workspace"]
            : agent.scopes.filter((scope) => policy.scopeSet === null || policy.scopeSet.has(scope));
    for (const subject of subjects)
      lines.push({
        key: `${policy.policy_id}|${guard.per}:${subject}|${guard.unit}`,
        policy_id: policy.policy_id,
        scope: guard.per,
        subject,
        window: guard.window,
        unit: guard.unit,
        limit: guard.cap,
        amount,
        enforce,
        policy,
      });
  }
  return { ok: true, lines, errors };
}

/** The line of `lines` a denial names. */
export function lineOf(lines: readonly CostLine[], denial: BudgetDenial): CostLine | undefined {
  return lines.find(
    (line) => line.policy_id === denial.policy_id && line.scope === denial.scope && line.subject === denial.subject,
  );
}

/** Alert-mode cost policies whose counter this reservation took past the cap. */
export function overCap(lines: readonly CostLine[], status: readonly BudgetLineStatus[]): string[] {
  const over = new Set<string>();
  for (const line of lines) {
    if (line.policy.mode !== "alert") continue;
    const counter = status.find((s) => s.key === line.key);
    if (counter && counter.spent + counter.reserved > line.limit) over.add(line.policy_id);
  }
  return [...over];
}

/** The lines as the budget book takes them (plain data; RPC copies it). */
export function bookLines(lines: readonly CostLine[]): BudgetLine[] {
  return lines.map(({ policy: _policy, ...line }) => line);
}

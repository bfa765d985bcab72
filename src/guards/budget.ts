import { thresholdsCrossed, type BudgetCrossing } from "./budget-thresholds";
/**
 * Cost guards: the budget lines a call reserves in its tenant's budget book (one per cost policy and counter), and
 * what to do with the book's answer.
 */
import type { BudgetBook, BudgetDenial, BudgetLine, BudgetLineStatus } from "../budgets";
import type { CompiledPolicy } from "../policy";
import type { ConditionVars } from "../policy/cel";
import type { ShadowResult } from "../policy/types";

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
  /** Policies whose pause an approval on file has lifted for this call: their caps count but do not stop it. */
  approved: ReadonlySet<string>;
}

/** The subject of a per-run cap's bucket for an agent's calls that name no minted run: `no_run:<agent id>`. */
export const NO_RUN_PREFIX = "no_run:";

/**
 * One line per Active or Shadow cost policy and counter: per run (the call's minted run id; without one, one bucket
 * per agent, counted per UTC day when the cap's window is the run), agent,
 * each of the agent's scopes the policy names (all of them when it names none) or the workspace. Active block and
 * pause policies enforce their cap; alert, log and Shadow policies count spend past it. Lines that cost nothing are
 * left out.
 */
export function costLines(guards: readonly CompiledPolicy[], facts: CostFacts): CostLines {
  const lines: CostLine[] = [];
  const errors: { policy_id: string; error: string }[] = [];
  for (const policy of guards) {
    const guard = policy.guard;
    if (guard?.kind !== "cost" || (policy.status !== "Active" && policy.status !== "Shadow")) continue;
    const enforce =
      policy.status === "Active" &&
      (policy.mode === "block" || policy.mode === "pause") &&
      !facts.approved.has(policy.policy_id);
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
    // Without a minted run id, the agent's calls share one bucket per window: a fresh id per call escapes nothing.
    const unminted = guard.per === "run" && context.run_id === null;
    const window = unminted && guard.window === "run" ? "day" : guard.window;
    const subjects =
      guard.per === "run"
        ? [context.run_id ?? `${NO_RUN_PREFIX}${agent.id}`]
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
        window,
        unit: guard.unit,
        limit: guard.cap,
        amount,
        enforce,
        policy,
      });
  }
  return { ok: true, lines, errors };
}

/** Whether a cost policy among `guards` prices calls at the tool's Cost (it has no Cost expression of its own). */
export function needsToolCost(guards: readonly CompiledPolicy[]): boolean {
  return guards.some((policy) => policy.guard?.kind === "cost" && !policy.compiledCost);
}

/** The line of `lines` a denial names. */
export function lineOf(lines: readonly CostLine[], denial: BudgetDenial): CostLine | undefined {
  return lines.find(
    (line) => line.policy_id === denial.policy_id && line.scope === denial.scope && line.subject === denial.subject,
  );
}

/**
 * The cost policies whose counter this reservation took past the cap: Active alert-mode ones as alerts, and Shadow
 * ones as what they would have done (their counters count every call that ran, as if they were not there).
 */
export function overCap(
  lines: readonly CostLine[],
  status: readonly BudgetLineStatus[],
): { alerts: string[]; shadow: ShadowResult[] } {
  const alerts = new Set<string>();
  const shadow = new Map<string, ShadowResult>();
  for (const { policy, key, limit } of lines) {
    const counter = status.find((s) => s.key === key);
    if (!counter || counter.spent + counter.reserved <= limit) continue;
    if (policy.status === "Shadow")
      shadow.set(policy.policy_id, {
        policy_id: policy.policy_id,
        policy_name: policy.name,
        would: policy.mode,
        reason_code: "budget_exhausted",
      });
    else if (policy.mode === "alert") alerts.add(policy.policy_id);
  }
  return { alerts: [...alerts], shadow: [...shadow.values()] };
}

/** The lines as the budget book takes them (plain data; RPC copies it). */
export function bookLines(lines: readonly CostLine[]): BudgetLine[] {
  return lines.map(({ policy: _policy, ...line }) => line);
}

/** What reserving a call's cost lines came to. */
export type Reservation =
  /** Nothing to reserve (no cost policy applies, or every line costs nothing). */
  | { kind: "none" }
  | { kind: "reserved"; lines: CostLine[]; alerts: string[]; shadow: ShadowResult[]; crossings: BudgetCrossing[] }
  /** The book could not be reached, but no line enforces a cap: the call goes on uncounted. */
  | { kind: "uncounted" }
  /** The book could not be reached and a cap must be checked: the call stops. */
  | { kind: "unavailable" }
  | { kind: "over_cap"; denial: BudgetDenial; line: CostLine | undefined };

/**
 * Reserves `lines` in the budget book, all or none, under the call's invocation id: reserved (with the alerts,
 * Shadow results and threshold crossings the new counters give), over a cap, or the book unreachable (which stops the call only when a
 * line enforces its cap).
 */
export async function reserveCosts(
  book: Pick<BudgetBook, "reserve">,
  lines: CostLine[],
  reservation: { invocation_id: string; now: Date },
): Promise<Reservation> {
  if (lines.length === 0) return { kind: "none" };
  let answer: Awaited<ReturnType<BudgetBook["reserve"]>>;
  try {
    answer = await book.reserve({
      reservation_id: reservation.invocation_id,
      lines: bookLines(lines),
      now: reservation.now,
    });
  } catch (error) {
    console.error(`budget book failed for ${reservation.invocation_id}: ${String(error)}`);
    return lines.some((line) => line.enforce) ? { kind: "unavailable" } : { kind: "uncounted" };
  }
  if (!answer.ok) return { kind: "over_cap", denial: answer.denial, line: lineOf(lines, answer.denial) };
  return {
    kind: "reserved",
    lines,
    ...overCap(lines, answer.lines),
    crossings: thresholdsCrossed(lines, answer.lines),
  };
}

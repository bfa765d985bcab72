import type { BudgetDenial, BudgetLineStatus, BudgetScope, BudgetUnit, BudgetWindow } from "../budgets/types";
import type { CostLine } from "./budget";

/** The shares of a cap whose crossing people hear about: 80% (nearing) and 100% (reached). */
export const BUDGET_THRESHOLDS = [80, 100] as const;

/** An Active cap's counter that crossed a threshold in its current window (once per window and threshold). */
export interface BudgetCrossing {
  policy_id: string;
  policy_name: string;
  /** The channels the cap's row names (empty: the tenant's default channels). */
  channels: readonly string[];
  threshold: (typeof BUDGET_THRESHOLDS)[number];
  /** The counter's key: one per policy, scope, subject and unit. */
  key: string;
  scope: BudgetScope;
  subject: string;
  window: BudgetWindow;
  unit: BudgetUnit;
  limit: number;
  /** Spent plus held in the window, after the call. */
  used: number;
  /** When the window starts again (null: a run's cap, never): with `key`, it names the window. */
  resets_at: string | null;
}

/**
 * The thresholds a reservation took Active caps across: the counter was under the threshold before this call's
 * amount and at or over it after. Shadow caps are left out (they decide nothing, so no one is told).
 */
export function thresholdsCrossed(lines: readonly CostLine[], status: readonly BudgetLineStatus[]): BudgetCrossing[] {
  const crossings: BudgetCrossing[] = [];
  for (const line of lines) {
    const counter = status.find((s) => s.key === line.key);
    if (!counter || line.policy.status !== "Active" || line.limit <= 0) continue;
    const after = counter.spent + counter.reserved;
    const before = after - line.amount;
    for (const threshold of BUDGET_THRESHOLDS) {
      const mark = (line.limit * threshold) / 100;
      if (before < mark && after >= mark)
        crossings.push(crossing(line, threshold, { used: after, resets_at: counter.resets_at }));
    }
  }
  return crossings;
}

/** A call a cap refused: the cap is reached (100%) in its window, whether or not a call crossed the mark before. */
export function capReached(line: CostLine | undefined, denial: BudgetDenial): BudgetCrossing[] {
  if (!line || line.policy.status !== "Active") return [];
  return [crossing(line, 100, { used: denial.spent, resets_at: denial.resets_at })];
}

function crossing(
  line: CostLine,
  threshold: BudgetCrossing["threshold"],
  counter: { used: number; resets_at: string | null },
): BudgetCrossing {
  return {
    policy_id: line.policy.policy_id,
    policy_name: line.policy.name,
    channels: line.policy.channels ?? [],
    threshold,
    key: line.key,
    scope: line.scope,
    subject: line.subject,
    window: line.window,
    unit: line.unit,
    limit: line.limit,
    ...counter,
  };
}

import type { BudgetStatus } from "../../budgets";
import type { Condition } from "../types";

/**
 * Caps whose settled spend has reached their limit in the current period. Run-scoped caps are left out: a run
 * that spent its budget ended as designed, and there may be thousands. Cause `budget:<key>` (the cap's book key,
 * its period apart, so a new period that exhausts it again opens a new incident only after this one resolved).
 */
export function exhaustedBudgets(statuses: readonly BudgetStatus[]): Condition[] {
  return statuses
    .filter((status) => status.scope !== "run" && status.limit > 0 && status.spent >= status.limit)
    .map((status) => ({
      cause: `budget:${status.key}`,
      kind: "budget_exhausted" as const,
      title: `Budget of policy ${status.policy_id} (${status.scope} ${status.subject}, per ${status.window}) is exhausted`,
      tools: [],
      agents: status.scope === "agent" ? [status.subject] : [],
      figures: {
        policy_id: status.policy_id,
        scope: status.scope,
        subject: status.subject,
        window: status.window,
        period: status.period,
        unit: status.unit,
        spent: status.spent,
        limit: status.limit,
        resets_at: status.resets_at,
      },
    }));
}

/** Budget denials and amounts in words, as agents and people read them. */
import type { BudgetDenial, BudgetScope, BudgetUnit, BudgetWindow } from "./types";

const WINDOW_WORDS: Record<BudgetWindow, string> = { run: "per-run", day: "daily", week: "weekly", month: "monthly" };
const dollars = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

/** An amount in words: usd_cents as dollars (`$480.00`), calls as `N calls`. */
export function budgetAmount(amount: number, unit: BudgetUnit): string {
  if (unit === "usd_cents") return dollars.format(amount / 100);
  return `${amount.toLocaleString("en-US")} ${amount === 1 ? "call" : "calls"}`;
}

/**
 * One sentence that tells an agent or a person which cap stopped the call and when it frees up.
 *
 * @example budgetDenialMessage(denial) // "The demo-agent's daily cap of $500.00 (policy refund_cap) is spent ($480.00 used, $50.00 asked); it resets at 2026-12-02T00:00:00.000Z."
 */
export function budgetDenialMessage(denial: BudgetDenial): string {
  const amount = (n: number) => budgetAmount(n, denial.unit);
  const reset = denial.resets_at === null ? "it does not reset" : `it resets at ${denial.resets_at}`;
  return (
    `${owner(denial.scope, denial.subject)} ${WINDOW_WORDS[denial.window]} cap of ${amount(denial.limit)} ` +
    `(policy ${denial.policy_id}) is spent (${amount(denial.spent)} used, ${amount(denial.requested)} asked); ${reset}.`
  );
}

function owner(scope: BudgetScope, subject: string): string {
  switch (scope) {
    case "agent":
      return `The ${subject}'s`;
    case "run":
      // guards/budget.ts NO_RUN_PREFIX: the bucket of an agent's calls that name no minted run.
      return subject.startsWith("no_run:")
        ? `The ${subject.slice("no_run:".length)}'s calls without a run id share one bucket; its`
        : `The run ${subject}'s`;
    case "scope":
      return `The ${subject} scope's`;
    case "workspace":
      return "The workspace's";
  }
}

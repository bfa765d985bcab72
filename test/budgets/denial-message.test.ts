import { describe, expect, it } from "vitest";
import { budgetDenialMessage } from "../../src/budgets/denial-message";
import type { BudgetDenial } from "../../src/budgets/types";

const daily: BudgetDenial = {
  policy_id: "refund_cap",
  scope: "agent",
  subject: "demo-agent",
  window: "day",
  unit: "usd_cents",
  limit: 50_000,
  spent: 48_000,
  requested: 5_000,
  resets_at: "2026-12-02T00:00:00.000Z",
};

describe("budget denial message", () => {
  it("says in dollars whose cap is spent, how much was used and asked, and when it resets", () => {
    expect(budgetDenialMessage(daily)).toBe(
      "The demo-agent's daily cap of $500.00 (policy refund_cap) is spent ($480.00 used, $50.00 asked); it resets at 2026-12-02T00:00:00.000Z.",
    );
  });

  it("counts calls, and says when a run's cap never resets", () => {
    const calls: BudgetDenial = {
      ...daily,
      scope: "run",
      subject: "run_7",
      window: "run",
      unit: "calls",
      limit: 1_000,
      spent: 1_000,
      requested: 1,
      resets_at: null,
    };
    expect(budgetDenialMessage(calls)).toBe(
      "The run run_7's per-run cap of 1,000 calls (policy refund_cap) is spent (1,000 calls used, 1 call asked); it does not reset.",
    );
  });

  it("names the workspace and a scope plainly", () => {
    expect(budgetDenialMessage({ ...daily, scope: "workspace", subject: "workspace", window: "month" })).toMatch(
      /^The workspace's monthly cap of \$500\.00/,
    );
    expect(budgetDenialMessage({ ...daily, scope: "scope", subject: "payments", window: "week" })).toMatch(
      /^The payments scope's weekly cap/,
    );
  });
});

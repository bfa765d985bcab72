import { env } from "cloudflare:test";
import { budgetBook, type BudgetBook, type BudgetDO, type BudgetLine } from "../../src/budgets";

/** The raw stub of a budget book, for `runInDurableObject` and `runDurableObjectAlarm`. */
export type BudgetStub = DurableObjectStub<BudgetDO>;

/** A budget book no other test touches, its tenant id, and its raw stub. */
export function freshBook(): { tenant: string; book: BudgetBook; stub: BudgetStub } {
  const tenant = `tenant_${crypto.randomUUID()}`;
  return { tenant, book: budgetBook(env, tenant), stub: env.BUDGETS.get(env.BUDGETS.idFromName(tenant)) };
}

/** The demo agent's daily refund cap of $500.00, asking `amount` cents. */
export function agentDaily(amount: number, limit = 50_000): BudgetLine {
  return {
    key: "refund_cap:agent:demo-agent:usd_cents",
    policy_id: "refund_cap",
    scope: "agent",
    subject: "demo-agent",
    window: "day",
    unit: "usd_cents",
    limit,
    amount,
  };
}

/** The workspace's monthly spend cap, asking `amount` cents. */
export function workspaceMonthly(amount: number, limit: number): BudgetLine {
  return {
    key: "spend_cap:workspace:workspace:usd_cents",
    policy_id: "spend_cap",
    scope: "workspace",
    subject: "workspace",
    window: "month",
    unit: "usd_cents",
    limit,
    amount,
  };
}

/** A run's cap on the number of calls, asking one call. */
export function runCalls(run_id: string, limit: number): BudgetLine {
  return {
    key: `call_cap:run:${run_id}:calls`,
    policy_id: "call_cap",
    scope: "run",
    subject: run_id,
    window: "run",
    unit: "calls",
    limit,
    amount: 1,
  };
}

/** 1 December 2026, mid-afternoon UTC. */
export const DEC_1 = new Date("2026-12-01T15:00:00.000Z");
/** The next day, just after midnight UTC. */
export const DEC_2 = new Date("2026-12-02T00:00:01.000Z");

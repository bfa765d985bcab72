import type { Env } from "../env";
import type { BudgetBook } from "./types";

export type { BudgetDO } from "./budget.do";
export { budgetAmount, budgetDenialMessage } from "./denial-message";
export * from "./types";
export { windowPeriod, type WindowPeriod } from "./windows";

/**
 * The budget book of `tenant_id` (one Durable Object per tenant, named by the tenant id).
 *
 * @example await budgetBook(env, "acme").reserve({ reservation_id: "inv_1", lines })
 */
export function budgetBook(env: Pick<Env, "BUDGETS">, tenant_id: string): BudgetBook {
  // BudgetDO implements BudgetBook and every value it takes and returns is plain data, which RPC copies unchanged.
  return env.BUDGETS.get(env.BUDGETS.idFromName(tenant_id)) as unknown as BudgetBook;
}

import type { BudgetCrossing } from "../guards/budget-thresholds";
import type { NotificationEvent } from "./notify";

/**
 * The notification of a cap crossing a threshold. Its event id names the counter, its window and the threshold, so
 * each cap is told about once per window and threshold however many calls cross it (the consumer skips an event it
 * delivered already).
 */
export function budgetEvent(tenant_id: string, crossing: BudgetCrossing): NotificationEvent {
  const window = crossing.resets_at ?? "run";
  const reached = crossing.threshold >= 100 ? "has reached its cap" : `is at ${crossing.threshold}% of its cap`;
  return {
    tenant_id,
    event_id: `budget:${crossing.key}:${window}:${crossing.threshold}`,
    kind: "budget_threshold",
    title: `${crossing.policy_name}: the ${crossing.scope} ${crossing.subject} ${reached}`.slice(0, 300),
    summary:
      `${amount(crossing.used, crossing.unit)} of ${amount(crossing.limit, crossing.unit)} used ` +
      (crossing.resets_at ? `this ${crossing.window}; the cap resets at ${crossing.resets_at}.` : "in this run."),
    ...(crossing.channels.length > 0 ? { channels: [...crossing.channels] } : {}),
    facts: {
      policy_id: crossing.policy_id,
      threshold_percent: crossing.threshold,
      scope: crossing.scope,
      subject: crossing.subject,
      window: crossing.window,
      unit: crossing.unit,
      limit: crossing.limit,
      used: crossing.used,
      ...(crossing.resets_at ? { resets_at: crossing.resets_at } : {}),
    },
  };
}

function amount(value: number, unit: BudgetCrossing["unit"]): string {
  return unit === "usd_cents" ? `$${(value / 100).toFixed(2)}` : `${value} calls`;
}

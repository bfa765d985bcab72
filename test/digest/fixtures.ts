import type { DigestFigures } from "../../src/digest/figures";

/** A signed checkpoint as the figures carry one (its signature is not checked by what renders it). */
export const SIGNED_CHECKPOINT =
  "policy-os.test/policy-os/acme\n42\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n\u2014 policy-os.test LQY+4Q==\n";

/** Figures of a small, complete week, for tests of what is built from them. */
export function sampleFigures(overrides: Partial<DigestFigures> = {}): DigestFigures {
  return {
    tenant_id: "acme",
    week_start: "2026-11-16",
    period: { from: "2026-11-16T00:00:00.000Z", to: "2026-11-23T00:00:00.000Z" },
    computed_at: "2026-11-24T12:00:00.000Z",
    complete: true,
    incidents: { opened: 2, resolved: 1 },
    calls: {
      total: 24,
      by_decision: { authorized: 16, escalated: 1, denied: 5, invalid: 2 },
      by_reason_code: [
        { reason_code: "allowed", calls: 16 },
        { reason_code: "refund_blocked", calls: 5 },
        { reason_code: "other", calls: 3 },
      ],
      by_outcome: { succeeded: 15, denied: 5, pending_approval: 1, failed: 1, invalid: 2 },
    },
    busiest_tools: [
      { tool: "payments.create_refund", calls: 10, denied: 5 },
      { tool: "crm.search", calls: 8, denied: 0 },
    ],
    approvals: {
      held: 8,
      approved: 3,
      denied: 1,
      expired: 2,
      pending: 1,
      cancelled: 1,
      median_minutes_to_decision: 45,
    },
    break_glass: { count: 0, decisions: [] },
    spend: {
      cost_cents: 372,
      caps: [
        {
          policy_id: "spend_cap",
          scope: "workspace",
          subject: "workspace",
          window: "month",
          unit: "usd_cents",
          limit: 50_000,
          spent: 1_200,
          reserved: 0,
          period: "2026-12",
          resets_at: "2027-01-01T00:00:00.000Z",
        },
      ],
      caps_unavailable: null,
    },
    shadow: [{ policy_id: "pol_refund_cap", policy_name: "Refund cap", calls: 4, by_would: { block: 3, pause: 1 } }],
    top_denied_agents: [{ agent_id: "agt_1", name: "billing-bot", denied: 5 }],
    changes: {
      previous_week_start: "2026-11-09",
      previous: { calls: 3, denied: 1, held: 2, approved: 1, expired: 1 },
      difference: { calls: 21, denied: 4, held: 6, approved: 2, expired: 1 },
    },
    ledger: {
      seq: 42,
      hash: "ab".repeat(32),
      at: "2026-11-22T23:59:59.000Z",
      before: "2026-11-23T00:00:00.000Z",
      signed_checkpoint: SIGNED_CHECKPOINT,
    },
    ...overrides,
  };
}

import { env } from "cloudflare:test";
import { openEscalation } from "../../src/approvals/escalations";
import type { Decision } from "../../src/policy/types";
import { standardRows } from "../fixtures/policies";
import { admin, call, connect, newTenant } from "../support/worker";

/** A refund over the $500 limit: held for the manager's approval under the standard policies. */
export const bigRefund = { customer_id: "cus_002", amount_cents: 75_000, reason: "damaged" };

/** A tenant under the standard policies, with a connected agent. */
export async function refundDesk(settings?: object) {
  const tenant = await newTenant({ rows: standardRows, settings });
  return { ...tenant, client: await connect(tenant.key) };
}

/** Plays a person's decision in Notion (the decision intake is another slice): sets the escalation's row in D1. */
export async function decide(escalation_id: string, status: "approved" | "denied", by = "manager") {
  await env.DB.prepare(`UPDATE escalations SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?`)
    .bind(status, by, new Date().toISOString(), escalation_id)
    .run();
}

/** An escalation's row as stored. */
export function escalationRow(escalation_id: string) {
  return env.DB.prepare(`SELECT * FROM escalations WHERE id = ?`).bind(escalation_id).first<Record<string, any>>();
}

/** How many escalations a tenant has. */
export async function escalationCount(tenant: string): Promise<number> {
  return (await admin("GET", `/escalations?tenant=${tenant}`)).body.escalations.length;
}

/** The refunds the demo payments host has made for cus_002. */
export async function refundsMade(client: Awaited<ReturnType<typeof connect>>) {
  const listed = await call(client, "payments.list_refunds", { customer_id: "cus_002" });
  return (listed.outcome.data as { refunds: { amount_cents: number; invocation_id: string }[] }).refunds;
}

/** A tenant's ledger entries, oldest first. */
export async function ledgerEntries(tenant: string): Promise<any[]> {
  return (await admin("GET", `/ledger?tenant=${tenant}`)).body.entries;
}

/** The decision that holds a big refund for `approvers`, with `changes` made to it. */
export function refundHold(approvers: string[], changes: Partial<Decision> = {}): Decision {
  return {
    decision: "escalated",
    reason_code: "refund_over_limit",
    message: "Refunds over $500 need a manager's approval.",
    policy_ids: ["refund-over-limit"],
    policy_count: 1,
    policy_name: "Refunds over $500",
    alerts: [],
    shadow: [],
    condition_errors: [],
    tags: [],
    approvers,
    snapshot: "sha256:snapshot",
    guards: [],
    ...changes,
  };
}

/** A pending escalation of a big refund by a new tenant's agent, opened with `decision` (an hour to live). */
export async function openRefundHold(
  decision: Decision,
  { invocation_id = "inv_1", requested_for = null as string | null } = {},
) {
  const { tenant, agent_id } = await newTenant();
  const { escalation } = await openEscalation(
    env.DB,
    {
      tenant_id: tenant,
      agent_id,
      tool: "payments.create_refund",
      args_hash: "sha256:args",
      invocation_id,
      decision,
      approvers: decision.approvers,
      requested_for,
    },
    { id: `esc_${crypto.randomUUID()}`, now: new Date(), timing: { ttl_seconds: 3600, reminder_seconds: null } },
  );
  return { tenant, escalation };
}

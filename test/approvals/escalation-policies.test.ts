import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { escalationEvent, escalationFrom, openEscalation } from "../../src/approvals/escalations";
import { holdExpiringEvent } from "../../src/notifications/hold-event";
import { DECIDING_LIST_LIMIT, type Decision } from "../../src/policy/types";
import { newTenant } from "../support/worker";
import { escalationRow } from "./helpers";

/** A pause decision of 2,000 rows, listing the strongest DECIDING_LIST_LIMIT as decide() does. */
const heldByMany: Decision = {
  decision: "escalated",
  reason_code: "refund_over_limit",
  message: "Refunds over $500 need a manager's approval.",
  policy_ids: Array.from({ length: DECIDING_LIST_LIMIT }, (_, i) => `hold-${i}`),
  policy_count: 2_000,
  policy_name: "Hold 0",
  alerts: [],
  shadow: [],
  condition_errors: [],
  tags: [],
  approvers: ["manager"],
  snapshot: "sha256:snapshot",
  guards: [],
};

describe("an escalation held by more policies than a decision lists", () => {
  it("keeps how many held it in its row, its opened ledger entry and its expiry notice", async () => {
    const { tenant, agent_id } = await newTenant();
    const { escalation } = await openEscalation(
      env.DB,
      {
        tenant_id: tenant,
        agent_id,
        tool: "payments.create_refund",
        args_hash: "sha256:args",
        invocation_id: "inv_many",
        decision: heldByMany,
        approvers: ["manager"],
        requested_for: null,
      },
      { id: `esc_${crypto.randomUUID()}`, now: new Date(), timing: { ttl_seconds: 3600, reminder_seconds: null } },
    );
    const stored = escalationFrom((await escalationRow(escalation.id))!);
    expect(stored).toMatchObject({ policy_ids: heldByMany.policy_ids, policy_count: 2_000 });
    expect(escalationEvent(stored, "opened", "inv_many").body).toMatchObject({ policy_count: 2_000 });
    const notice = holdExpiringEvent(stored, { agent_name: "bot", channels: [], page_id: null });
    expect(notice.facts).toMatchObject({ policy_count: 2_000 });
  });

  it("opened before the count was kept reads its whole list's length as the count", async () => {
    const { tenant, agent_id } = await newTenant();
    const { escalation } = await openEscalation(
      env.DB,
      {
        tenant_id: tenant,
        agent_id,
        tool: "payments.create_refund",
        args_hash: "sha256:args",
        invocation_id: "inv_old",
        decision: { ...heldByMany, policy_ids: ["a", "b"], policy_count: 2 },
        approvers: ["manager"],
        requested_for: null,
      },
      { id: `esc_${crypto.randomUUID()}`, now: new Date(), timing: { ttl_seconds: 3600, reminder_seconds: null } },
    );
    await env.DB.prepare("UPDATE escalations SET policy_count = NULL WHERE id = ?").bind(escalation.id).run();
    expect(escalationFrom((await escalationRow(escalation.id))!)).toMatchObject({
      policy_ids: ["a", "b"],
      policy_count: 2,
    });
  });
});

import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { escalationEvent, escalationFrom } from "../../src/approvals/escalations";
import { holdExpiringEvent } from "../../src/notifications/hold-event";
import { DECIDING_LIST_LIMIT } from "../../src/policy/types";
import { escalationRow, openRefundHold, refundHold } from "./helpers";

/** A pause decision of 2,000 rows, listing the strongest DECIDING_LIST_LIMIT as decide() does. */
const heldByMany = refundHold(["manager"], {
  policy_ids: Array.from({ length: DECIDING_LIST_LIMIT }, (_, i) => `hold-${i}`),
  policy_count: 2_000,
  policy_name: "Hold 0",
});

describe("an escalation held by more policies than a decision lists", () => {
  it("keeps how many held it in its row, its opened ledger entry and its expiry notice", async () => {
    const { escalation } = await openRefundHold(heldByMany, { invocation_id: "inv_many" });
    const stored = escalationFrom((await escalationRow(escalation.id))!);
    expect(stored).toMatchObject({ policy_ids: heldByMany.policy_ids, policy_count: 2_000 });
    expect(escalationEvent(stored, "opened", "inv_many").body).toMatchObject({ policy_count: 2_000 });
    const notice = holdExpiringEvent(stored, { agent_name: "bot", channels: [], page_id: null });
    expect(notice.facts).toMatchObject({ policy_count: 2_000 });
  });

  it("opened before the count was kept reads its whole list's length as the count", async () => {
    const { escalation } = await openRefundHold(refundHold(["manager"], { policy_ids: ["a", "b"], policy_count: 2 }));
    await env.DB.prepare("UPDATE escalations SET policy_count = NULL WHERE id = ?").bind(escalation.id).run();
    expect(escalationFrom((await escalationRow(escalation.id))!)).toMatchObject({
      policy_ids: ["a", "b"],
      policy_count: 2,
    });
  });
});

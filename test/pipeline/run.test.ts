import { describe, expect, it } from "vitest";
import { runToolCall } from "../../src/pipeline/run";
import { fakeDeps, policyRow, snapshotOf, toolCall } from "./fake-deps";

const REFUND = "payments.create_refund";

describe("a tool call through the whole pipeline", () => {
  it("runs an allowed call once and times every stage in its audit row", async () => {
    const { deps, world, settled } = fakeDeps();
    const { outcome } = await runToolCall(deps, toolCall(await snapshotOf([]), REFUND, { amount_cents: 100 }));
    await settled();
    expect(outcome).toMatchObject({ outcome: "succeeded", decision: { decision: "authorized" } });
    expect(world.hostCalls).toHaveLength(1);
    expect(world.ledger.map((entry) => entry.kind)).toEqual(["decision", "outcome"]);
    const { latency_ms, total_ms } = world.audit[0]!;
    expect(Object.values(latency_ms).every((ms) => ms > 0)).toBe(true);
    expect(total_ms).toBeGreaterThan(0);
  });

  it("a denied call never reaches the host and its decision and outcome are both on the ledger", async () => {
    const { deps, world } = fakeDeps();
    const rows = [policyRow("no_refunds", { Type: "block", Mode: "block", Tools: REFUND })];
    const { outcome } = await runToolCall(deps, toolCall(await snapshotOf(rows), REFUND, { amount_cents: 100 }));
    expect(outcome.outcome).toBe("denied");
    expect(world.hostCalls).toEqual([]);
    expect(world.ledger.map((entry) => [entry.kind, entry.body.decision ?? entry.body.outcome])).toEqual([
      ["decision", "denied"],
      ["outcome", "denied"],
    ]);
  });

  it("a pause-mode cap holds the call for a budget increase, and once approved the call runs once", async () => {
    const { deps, world } = fakeDeps();
    const cap = policyRow("refund_cap", {
      Type: "cost",
      Mode: "pause",
      Tools: REFUND,
      Cap: 30_000,
      Unit: "usd_cents",
      Window: "day",
      Per: "agent",
      Cost: "args.amount_cents",
      "Reason code": "budget_exhausted",
      Approvers: ["finance@acme.test"],
    });
    const call = toolCall(await snapshotOf([cap]), REFUND, { amount_cents: 40_000 });
    const held = await runToolCall(deps, call);
    expect(held.outcome).toMatchObject({ outcome: "pending_approval", escalation_id: "esc_1" });
    expect(held.outcome.denial?.details).toMatchObject({
      reason_code: "budget_increase_required",
      approvers: ["finance@acme.test"],
    });
    expect(world.hostCalls).toEqual([]);

    Object.assign(world.escalations[0]!, { status: "approved", decided_by: "finance@acme.test" });
    const approved = await runToolCall(deps, call);
    expect(approved.outcome).toMatchObject({ outcome: "succeeded", escalation_id: "esc_1" });
    expect(world.hostCalls).toHaveLength(1);
    const again = await runToolCall(deps, call);
    expect(again.outcome.denial?.code).toBe("approval_already_used");
    expect(world.hostCalls).toHaveLength(1);
  });

  it("when the ledger refuses the decision entry the host is never called and the approval is released", async () => {
    const { deps, world } = fakeDeps();
    const rows = [policyRow("big_refund", { Type: "approval", Mode: "pause", Tools: REFUND })];
    const call = toolCall(await snapshotOf(rows), REFUND, { amount_cents: 100 });
    await runToolCall(deps, call);
    Object.assign(world.escalations[0]!, { status: "approved", decided_by: "manager@acme.test" });
    world.ledgerDown = true;
    const { outcome } = await runToolCall(deps, call);
    expect(outcome.error?.code).toBe("ledger_unavailable");
    expect(world.hostCalls).toEqual([]);
    expect(world.escalations[0]!.status).toBe("approved");
    expect(world.released).toEqual(["esc_1 by inv_2"]);
  });
});

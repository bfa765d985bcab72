import { describe, expect, it } from "vitest";
import { budget } from "../../../src/pipeline/stages/budget";
import { dailyRefundCapColumns } from "../../fixtures/policies";
import { escalationOnFile, fakeDeps, policyRow, screenedState, snapshotOf, toolCall } from "../fake-deps";

const dailyCap = (mode: string, fields: Record<string, unknown> = {}) =>
  policyRow("refund_cap", { ...dailyRefundCapColumns, Mode: mode, Approvers: ["finance@acme.test"], ...fields });

async function refund(rows: unknown[], amount_cents: number) {
  const { deps, world } = fakeDeps();
  const state = await screenedState(deps, toolCall(await snapshotOf(rows), "payments.create_refund", { amount_cents }));
  return { deps, world, state };
}

describe("the budget stage", () => {
  it("reserves the call's cost against the agent's cap and hands on the reserved lines", async () => {
    const { deps, world, state } = await refund([dailyCap("block")], 40_000);
    const step = await budget(deps, state);
    if (step.kind !== "next") throw new Error("expected the call to go on");
    expect(step.state.budget.map((line) => [line.policy_id, line.subject, line.amount])).toEqual([
      ["refund_cap", "agt_support", 40_000],
    ]);
    expect(world.reservations.get(state.invocation_id)?.state).toBe("held");
  });

  it("denies a call past a block-mode cap with budget_exhausted, retryable once the day resets", async () => {
    const { deps, state } = await refund([dailyCap("block")], 120_000);
    const step = await budget(deps, state);
    if (step.kind !== "end") throw new Error("expected a denial");
    expect(step.result.denial).toMatchObject({
      code: "budget_exhausted",
      retryable: true,
      details: { policy: "refund_cap", limit: 100_000, requested: 120_000 },
    });
  });

  it("holds a call past a pause-mode cap for a budget increase instead of denying it", async () => {
    const { deps, state } = await refund([dailyCap("pause")], 120_000);
    const step = await budget(deps, state);
    if (step.kind !== "hold") throw new Error("expected a hold");
    expect(step.held).toMatchObject({
      decision: "escalated",
      reason_code: "refund_cap",
      approvers: ["finance@acme.test"],
    });
    expect(step.held.message).toMatch(/daily cap of \$1,000\.00/);
  });

  it("gives back the claimed approval when a cap the approval does not lift stops the call", async () => {
    const { deps, world, state } = await refund(
      [dailyCap("pause", { "Policy ID": "other_cap" }), dailyCap("block")],
      120_000,
    );
    const approved = escalationOnFile(world, state, "executed", {
      executed_invocation_id: state.invocation_id,
      policy_ids: ["other_cap"],
    });
    const step = await budget(deps, { ...state, approval: approved });
    expect(step.kind === "end" && step.result.denial?.code).toBe("budget_exhausted");
    expect(world.released).toEqual([`${approved.id} by ${state.invocation_id}`]);
  });

  it("fails closed with budget_unavailable when the book is unreachable and a cap must be checked", async () => {
    const { deps, world, state } = await refund([dailyCap("block")], 1_000);
    world.budgetsDown = true;
    const step = await budget(deps, state);
    expect(step.kind === "end" && step.result.error).toMatchObject({ code: "budget_unavailable", retryable: true });
  });

  it("denies with cost_unknown when an enforcing cap's Cost expression cannot be computed", async () => {
    const { deps, state } = await refund([dailyCap("block", { Cost: "args.missing * 2" })], 1_000);
    const step = await budget(deps, state);
    expect(step.kind === "end" && step.result.denial?.code).toBe("cost_unknown");
  });

  it("prices a call at the tool's Cost when the cap has no Cost expression", async () => {
    const { deps, world, state } = await refund([dailyCap("block", { Cost: undefined })], 1_000);
    world.toolCost = 250;
    const step = await budget(deps, state);
    expect(step.kind === "next" && step.state.budget[0]?.amount).toBe(250);
  });
});

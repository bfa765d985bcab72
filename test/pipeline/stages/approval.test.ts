import { describe, expect, it } from "vitest";
import { approval } from "../../../src/pipeline/stages/approval";
import { escalationOnFile, fakeDeps, policyRow, screenedState, snapshotOf, toolCall } from "../fake-deps";

const bigRefunds = policyRow("big_refund", {
  Type: "approval",
  Mode: "pause",
  Tools: "payments.create_refund",
  Condition: "args.amount_cents > 50000",
  Approvers: ["manager@acme.test"],
});

async function held(meta: Record<string, unknown> = {}) {
  const { deps, world, settled } = fakeDeps();
  const call = toolCall(await snapshotOf([bigRefunds]), "payments.create_refund", { amount_cents: 60_000 }, meta);
  return { deps, world, settled, state: await screenedState(deps, call) };
}

describe("the approval stage", () => {
  it("lets a call nothing holds go on without reading the escalations", async () => {
    const { deps, world } = fakeDeps();
    world.escalationsDown = true;
    const call = toolCall(await snapshotOf([bigRefunds]), "payments.create_refund", { amount_cents: 100 });
    const step = await approval(deps, await screenedState(deps, call));
    expect(step.kind).toBe("next");
  });

  it("holds a call with no approval on file: an escalation opens for its approvers and is followed up", async () => {
    const { deps, world, settled, state } = await held({ on_behalf_of: "pat@acme.test" });
    const step = await approval(deps, state);
    await settled();
    if (step.kind !== "end") throw new Error("expected the call to wait");
    expect(step.result).toMatchObject({
      outcome: "pending_approval",
      status: "action_required",
      escalation_id: "esc_1",
    });
    expect(step.result.denial).toMatchObject({ code: "approval_required", retryable: true });
    expect(world.escalations[0]).toMatchObject({ approvers: ["manager@acme.test"], requested_for: "pat@acme.test" });
    expect(step.entries?.map((entry) => (entry.kind === "escalation" ? entry.body.event : entry.kind))).toEqual([
      "opened",
    ]);
    expect(world.followedUp.opened.map((escalation) => escalation.id)).toEqual(["esc_1"]);
  });

  it("lets an approved call run once under its approval, which this invocation claims", async () => {
    const { deps, world, state } = await held();
    const approved = escalationOnFile(world, state, "approved");
    const step = await approval(deps, state);
    if (step.kind !== "next") throw new Error("expected the call to go on");
    expect(step.state.approval?.id).toBe(approved.id);
    expect(step.state.decision).toMatchObject({ decision: "authorized", reason_code: "approval_granted" });
    expect(world.escalations[0]).toMatchObject({ status: "executed", executed_invocation_id: state.invocation_id });
  });

  it("refuses a call whose approval was denied, naming who denied it, and says so in one sentence", async () => {
    const { deps, world, state } = await held();
    escalationOnFile(world, state, "denied");
    const step = await approval(deps, state);
    if (step.kind !== "end") throw new Error("expected a refusal");
    expect(step.result.denial).toMatchObject({ code: "approval_denied", retryable: false });
    expect(step.sentence).toMatch(
      /^payments\.create_refund did not run: Escalation esc_on_file_1 was denied by manager@acme\.test/,
    );
  });

  it("fails retryably, running nothing, when the escalations cannot be read", async () => {
    const { deps, world, state } = await held();
    world.escalationsDown = true;
    const step = await approval(deps, state);
    expect(step.kind === "end" && step.result.error).toMatchObject({ code: "escalation_unavailable", retryable: true });
  });
});

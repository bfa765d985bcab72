import { describe, expect, it } from "vitest";
import { denied, end } from "../../../src/pipeline/ending";
import { record } from "../../../src/pipeline/stages/record";
import { stopwatch } from "../../../src/pipeline/stopwatch";
import { escalationOnFile, fakeDeps, screenedState, snapshotOf, toolCall } from "../fake-deps";

async function lookup() {
  const { deps, world, settled } = fakeDeps();
  const state = await screenedState(deps, toolCall(await snapshotOf([]), "payments.lookup", { q: "order 7" }));
  return { deps, world, settled, state, watch: stopwatch(deps.clock) };
}

const refusal = { code: "not_today", message: "Not today.", retryable: false };

describe("the record stage", () => {
  it("puts a refused call's decision and outcome on the ledger and lists both as its evidence", async () => {
    const { deps, world, settled, state, watch } = await lookup();
    const { outcome, sentence } = await record(deps, denied(state, refusal), watch);
    await settled();
    expect(world.ledger.map((entry) => [entry.kind, entry.invocation_id])).toEqual([
      ["decision", state.invocation_id],
      ["outcome", state.invocation_id],
    ]);
    expect(world.ledger[1]!.body).toMatchObject({ outcome: "denied", denial_code: "not_today", data_hash: null });
    expect(outcome.evidence_ids).toEqual(["led_1", "led_2"]);
    expect(sentence).toMatch(
      /^payments\.lookup was denied by policy default posture: Not today; retrying will not help\.$/,
    );
    expect(world.audit).toMatchObject([
      { invocation_id: state.invocation_id, outcome: "denied", error_code: "not_today" },
    ]);
  });

  it("appends only the outcome of a call that ran, its decision entry leading the evidence", async () => {
    const { deps, world, state, watch } = await lookup();
    const ran = { decision_entry_id: "led_41", host_ref: "payments", cost_cents: 12 };
    const result = {
      outcome: "succeeded",
      status: "authorized",
      success: true,
      data: { ok: true },
      error: null,
      denial: null,
      escalation_id: null,
    } as const;
    const { outcome } = await record(deps, end(state, "authorized", result, { ran }), watch);
    expect(world.ledger.map((entry) => entry.kind)).toEqual(["outcome"]);
    expect(world.ledger[0]!.body.data_hash).toMatch(/^sha256:/);
    expect(outcome.evidence_ids).toEqual(["led_41", "led_1"]);
  });

  it("still answers when the ledger refuses the entries, with no evidence to show", async () => {
    const { deps, world, settled, state, watch } = await lookup();
    world.ledgerDown = true;
    const { outcome } = await record(deps, denied(state, refusal), watch);
    await settled();
    expect(outcome).toMatchObject({ outcome: "denied", evidence_ids: [] });
    expect(world.audit).toHaveLength(1);
  });

  it("follows up the approval a call ran under once the call is recorded", async () => {
    const { deps, world, settled, state, watch } = await lookup();
    const approval = escalationOnFile(world, state, "executed");
    const ran = { decision_entry_id: "led_9", host_ref: "payments", cost_cents: null };
    const result = {
      outcome: "succeeded",
      status: "authorized",
      success: true,
      data: null,
      error: null,
      denial: null,
      escalation_id: approval.id,
    } as const;
    await record(deps, end({ ...state, approval }, "authorized", result, { ran }), watch);
    await settled();
    expect(world.followedUp.used.map((escalation) => escalation.id)).toEqual([approval.id]);
  });
});

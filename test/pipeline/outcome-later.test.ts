import { describe, expect, it } from "vitest";
import { OUTCOME_RETRY_DELAYS_MS } from "../../src/pipeline/outcome-later";
import { runToolCall } from "../../src/pipeline/run";
import { OUTCOME_RECORDED_LATER } from "../../src/pipeline/stages/record";
import { fakeDeps, NOW, policyRow, snapshotOf, toolCall, type FakeWorld } from "./fake-deps";

const REFUND = "payments.create_refund";

/** The kinds of the ledger entries of one invocation, in order. */
const kinds = (world: FakeWorld, invocation_id: string) =>
  world.ledger.filter((entry) => entry.invocation_id === invocation_id).map((entry) => entry.kind);

/** Runs a $1 refund with the ledger's outcome appends broken as `faults` says; the answer, once deferred work ended. */
async function refundWith(faults: FakeWorld["outcomeFaults"], rows: unknown[] = []) {
  const { deps, world, settled } = fakeDeps();
  world.outcomeFaults = [...faults];
  const result = await runToolCall(deps, toolCall(await snapshotOf(rows), REFUND, { amount_cents: 100 }));
  await settled();
  return { world, result, invocation_id: result.outcome.invocation_id };
}

describe("an outcome the ledger refuses after the host ran", () => {
  it("once, then recovers: the retry appends it, and the call has exactly one outcome entry", async () => {
    const { world, result, invocation_id } = await refundWith(["refuse"]);
    expect(result.outcome).toMatchObject({ outcome: "succeeded", evidence_ids: ["led_1"] });
    expect(result.sentence).toContain(OUTCOME_RECORDED_LATER);
    expect(world.hostCalls).toHaveLength(1);
    expect(kinds(world, invocation_id)).toEqual(["decision", "outcome"]);
    expect(world.waits).toEqual([OUTCOME_RETRY_DELAYS_MS[0]]);
    expect(world.outbox).toEqual([]);
  });

  it("stored with its reply lost: the retry finds it, and the call still has exactly one outcome entry", async () => {
    const { world, result, invocation_id } = await refundWith(["lose_reply"]);
    expect(result.outcome.evidence_ids).toEqual(["led_1"]);
    expect(kinds(world, invocation_id)).toEqual(["decision", "outcome"]);
    expect(world.waits).toHaveLength(1);
    expect(world.outbox).toEqual([]);
  });

  it("longer than every retry: it is kept in the outbox for the cron, with the entries to append", async () => {
    const faults = OUTCOME_RETRY_DELAYS_MS.map(() => "refuse" as const);
    const { world, result, invocation_id } = await refundWith(["refuse", ...faults]);
    expect(result.outcome).toMatchObject({ outcome: "succeeded", evidence_ids: ["led_1"] });
    expect(kinds(world, invocation_id)).toEqual(["decision"]);
    expect(world.waits).toEqual([...OUTCOME_RETRY_DELAYS_MS]);
    expect(world.outbox).toEqual([
      expect.objectContaining({
        tenant_id: "acme",
        invocation_id,
        entries: [expect.objectContaining({ kind: "outcome", invocation_id })],
      }),
    ]);
  });

  it("with an escalation used: the executed event and the outcome are retried together, each appended once", async () => {
    const { deps, world, settled } = fakeDeps();
    const held = policyRow("big_refund", {
      Type: "approval",
      Mode: "pause",
      Tools: REFUND,
      Approvers: ["m@acme.test"],
    });
    const snapshot = await snapshotOf([held]);
    const first = await runToolCall(deps, toolCall(snapshot, REFUND, { amount_cents: 100 }));
    const escalation = world.escalations.find((e) => e.id === first.outcome.escalation_id)!;
    Object.assign(escalation, { status: "approved", decided_by: "m@acme.test", decided_at: NOW.toISOString() });
    world.outcomeFaults = ["lose_reply"];
    const ran = await runToolCall(deps, toolCall(snapshot, REFUND, { amount_cents: 100 }));
    await settled();
    expect(ran.outcome.outcome).toBe("succeeded");
    expect(kinds(world, ran.outcome.invocation_id)).toEqual(["decision", "escalation", "outcome"]);
  });
});

describe("a ledger that refuses the entries of a call that did not run", () => {
  it("answers without evidence ids and keeps nothing for later: no decision stands without its outcome", async () => {
    const { deps, world, settled } = fakeDeps();
    world.ledgerDown = true;
    const result = await runToolCall(deps, toolCall(await snapshotOf([]), "payments.unknown", {}));
    await settled();
    expect(result.outcome).toMatchObject({ outcome: "invalid", evidence_ids: [] });
    expect(result.sentence).not.toContain(OUTCOME_RECORDED_LATER);
    expect(world.waits).toEqual([]);
    expect(world.outbox).toEqual([]);
  });
});

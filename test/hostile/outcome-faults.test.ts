import { describe, expect, it } from "vitest";
import type { HostCallResult } from "../../src/hosts/host";
import { OUTCOME_RETRY_DELAYS_MS } from "../../src/pipeline/outcome-later";
import { runToolCall } from "../../src/pipeline/run";
import { OUTCOME_RECORDED_LATER } from "../../src/pipeline/stages/record";
import { fakeDeps, snapshotOf, toolCall, type FakeWorld } from "../pipeline/fake-deps";

type Fault = FakeWorld["outcomeFaults"][number];

/** Enough refusals to outlast the first append and every deferred retry. */
const OUTLASTING: Fault[] = Array.from({ length: OUTCOME_RETRY_DELAYS_MS.length + 1 }, () => "refuse");

interface Row {
  name: string;
  faults: Fault[];
  /** Outcome entries the ledger holds for the call once the deferred work ended. */
  outcomes: number;
  /** Whether the outcome waits in the outbox for the cron. */
  kept: boolean;
}

const faultRows: Row[] = [
  { name: "refused once", faults: ["refuse"], outcomes: 1, kept: false },
  { name: "stored with its reply lost", faults: ["lose_reply"], outcomes: 1, kept: false },
  { name: "refused twice", faults: ["refuse", "refuse"], outcomes: 1, kept: false },
  { name: "refused, then stored with its reply lost", faults: ["refuse", "lose_reply"], outcomes: 1, kept: false },
  { name: "stored with its reply lost, twice over", faults: ["lose_reply", "lose_reply"], outcomes: 1, kept: false },
  { name: "refused by every try", faults: OUTLASTING, outcomes: 0, kept: true },
  {
    name: "stored by the last retry with its reply lost",
    faults: [...OUTLASTING.slice(1), "lose_reply"],
    outcomes: 1,
    kept: true,
  },
];

const hostAnswers: { name: string; answer: HostCallResult; outcome: string }[] = [
  {
    name: "a host that succeeded",
    answer: { ok: true, data: { refund: "re_1" }, host_ref: "payments" },
    outcome: "succeeded",
  },
  {
    name: "a host that failed",
    answer: {
      ok: false,
      error: { code: "host_error", message: "card declined", retryable: false },
      host_ref: "payments",
    },
    outcome: "failed",
  },
];

const cases = hostAnswers.flatMap((host) =>
  faultRows.map((row) => ({
    ...row,
    host,
    sentence: `after ${host.name}, an outcome append ${row.name} leaves ${row.outcomes} outcome entry${row.outcomes === 1 ? "" : "s"}${row.kept ? ", kept for the cron" : ""}, and the host ran once`,
  })),
);

describe("an outcome append the ledger breaks after the host ran", () => {
  it.for(cases)("$sentence", async ({ faults, outcomes, kept, host }) => {
    const { deps, world, settled } = fakeDeps();
    world.outcomeFaults = [...faults];
    world.hostAnswer = () => host.answer;
    const result = await runToolCall(
      deps,
      toolCall(await snapshotOf([]), "payments.create_refund", { amount_cents: 100 }),
    );
    await settled();
    const { invocation_id } = result.outcome;
    expect(result.outcome).toMatchObject({ outcome: host.outcome, evidence_ids: ["led_1"] });
    expect(result.sentence).toContain(OUTCOME_RECORDED_LATER);
    expect(world.hostCalls).toHaveLength(1);
    const entries = world.ledger.filter((entry) => entry.invocation_id === invocation_id);
    expect(entries.filter((entry) => entry.kind === "decision")).toHaveLength(1);
    expect(entries.filter((entry) => entry.kind === "outcome")).toHaveLength(outcomes);
    expect(world.outbox.map((pending) => pending.invocation_id)).toEqual(kept ? [invocation_id] : []);
    expect(world.audit).toEqual([expect.objectContaining({ invocation_id, evidence_ids: ["led_1"] })]);
  });
});

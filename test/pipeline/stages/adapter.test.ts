import { describe, expect, it } from "vitest";
import { adapter } from "../../../src/pipeline/stages/adapter";
import { budget } from "../../../src/pipeline/stages/budget";
import { dailyRefundCapColumns } from "../../fixtures/policies";
import { escalationOnFile, fakeDeps, policyRow, screenedState, snapshotOf, toolCall } from "../fake-deps";

const cap = policyRow("refund_cap", dailyRefundCapColumns);

/** A refund the budget let through, with its cost reserved. */
async function cleared(rows: unknown[] = [cap]) {
  const { deps, world, settled } = fakeDeps();
  const screened = await screenedState(
    deps,
    toolCall(await snapshotOf(rows), "payments.create_refund", { amount_cents: 700 }),
  );
  const step = await budget(deps, screened);
  if (step.kind !== "next") throw new Error("expected the budget to let the call through");
  return { deps, world, settled, state: step.state };
}

describe("the adapter stage", () => {
  it("puts the decision on the ledger before the host runs, then settles the budget", async () => {
    const { deps, world, settled, state } = await cleared();
    const ending = await adapter(deps, state);
    await settled();
    expect(world.hostCalls).toEqual([{ tool: "create_refund", args: { amount_cents: 700 }, ledgerEntries: 1 }]);
    expect(world.ledger[0]).toMatchObject({ kind: "decision", body: { decision: "authorized" } });
    expect(ending.ran?.decision_entry_id).toBe(world.ledger[0]!.id);
    expect(ending.result).toMatchObject({ outcome: "succeeded", success: true });
    expect(world.reservations.get(state.invocation_id)?.state).toBe("settled");
  });

  it("when the ledger refuses the decision entry the host is never called, and the approval and budget are given back", async () => {
    const { deps, world, settled, state } = await cleared();
    const approved = escalationOnFile(world, state, "executed", { executed_invocation_id: state.invocation_id });
    world.ledgerDown = true;
    const ending = await adapter(deps, { ...state, approval: approved });
    await settled();
    expect(world.hostCalls).toEqual([]);
    expect(ending.result.error).toMatchObject({ code: "ledger_unavailable", retryable: true });
    expect(ending.result.escalation_id).toBe(approved.id);
    expect(world.released).toEqual([`${approved.id} by ${state.invocation_id}`]);
    expect(world.reservations.get(state.invocation_id)?.state).toBe("released");
  });

  it("fails with the host's error and gives the reserved budget back when the host fails", async () => {
    const { deps, world, settled, state } = await cleared();
    world.hostAnswer = () => ({
      ok: false,
      error: { code: "host_rejected", message: "No such order.", retryable: false },
      host_ref: "payments",
    });
    const ending = await adapter(deps, state);
    await settled();
    expect(ending.result.error).toEqual({ code: "host_rejected", message: "No such order.", retryable: false });
    expect(world.reservations.get(state.invocation_id)?.state).toBe("released");
  });

  it("answers host_unavailable, not retryable, and keeps the reserved cost when a host throws: it may have acted", async () => {
    const { deps, world, settled, state } = await cleared();
    world.hostAnswer = () => {
      throw new Error("socket hang up");
    };
    const ending = await adapter(deps, state);
    await settled();
    expect(ending.result.error).toMatchObject({ code: "host_unavailable", retryable: false });
    expect(world.reservations.get(state.invocation_id)?.state).toBe("settled");
  });

  it.for([
    { failure: "a host unreachable before the call was sent", code: "host_unavailable", retryable: true, kept: false },
    { failure: "a tool that reported an error", code: "host_error", retryable: false, kept: false },
    { failure: "an answer lost after the call was sent", code: "host_unavailable", retryable: false, kept: true },
    { failure: "a result that cannot be returned", code: "result_unusable", retryable: false, kept: true },
  ] as const)(
    "after $failure the reserved cost is kept only if the host may have acted ($kept)",
    async ({ code, retryable, kept }) => {
      const { deps, world, settled, state } = await cleared();
      world.hostAnswer = () => ({ ok: false, error: { code, message: "…", retryable }, host_ref: "payments" });
      await adapter(deps, state);
      await settled();
      expect(world.reservations.get(state.invocation_id)?.state).toBe(kept ? "settled" : "released");
    },
  );

  it("withholds a result holding a term a result-checking content policy blocks", async () => {
    const checkResults = policyRow("secret", {
      Type: "content",
      Mode: "block",
      Tools: "payments.*",
      "Deny terms": "re_secret",
      "Check results": true,
    });
    const { deps, world, state } = await cleared([checkResults]);
    world.hostAnswer = () => ({ ok: true, data: { refund_id: "re_secret" }, host_ref: "payments" });
    const ending = await adapter(deps, state);
    expect(ending.result).toMatchObject({ outcome: "failed", data: null, error: { code: "secret" } });
    expect(ending.ran?.result_guards?.[0]).toMatchObject({ policy_id: "secret" });
  });

  it("names the approver in its sentence when the call ran under an approval", async () => {
    const { deps, world, state } = await cleared();
    const approved = escalationOnFile(world, state, "executed", { executed_invocation_id: state.invocation_id });
    const ending = await adapter(deps, { ...state, approval: approved });
    expect(ending.sentence).toBe(
      `payments.create_refund ran once with the approval of manager@acme.test (escalation ${approved.id}) and succeeded (invocation ${state.invocation_id}).`,
    );
    expect(ending.entries?.map((entry) => (entry.kind === "escalation" ? entry.body.event : entry.kind))).toEqual([
      "executed",
    ]);
  });

  it("does not call a host whose circuit is open: host_unavailable, retryable, never a denial, with the approval and budget given back", async () => {
    const { deps, world, settled, state } = await cleared();
    const approved = escalationOnFile(world, state, "executed", { executed_invocation_id: state.invocation_id });
    world.circuit = { admitted: false, retry_at: Date.parse("2026-12-06T12:00:30.000Z") };
    const ending = await adapter(deps, { ...state, approval: approved });
    await settled();
    expect(world.hostCalls).toEqual([]);
    expect(world.ledger).toEqual([]);
    expect(ending.ran).toBeUndefined();
    expect(ending.verdict).toBe("authorized");
    expect(ending.result).toMatchObject({
      outcome: "failed",
      denial: null,
      error: {
        code: "host_unavailable",
        retryable: true,
        details: { circuit: "open", retry_after: "2026-12-06T12:00:30.000Z" },
      },
    });
    expect(world.released).toEqual([`${approved.id} by ${state.invocation_id}`]);
    expect(world.reservations.get(state.invocation_id)?.state).toBe("released");
    expect(world.observations).toEqual([]);
  });

  it("reports to the host's circuit whether the host failed the call: unreachable counts, a tool's own error does not", async () => {
    const { deps, world, state } = await cleared();
    world.circuit = { admitted: true, probe: true };
    await adapter(deps, state);
    world.hostAnswer = () => ({
      ok: false,
      error: { code: "host_unavailable", message: "host payments answered HTTP 503", retryable: true },
      host_ref: "payments",
    });
    await adapter(deps, { ...state, invocation_id: "inv_2" });
    world.hostAnswer = () => ({
      ok: false,
      error: { code: "host_error", message: "No such order.", retryable: false },
      host_ref: "payments",
    });
    await adapter(deps, { ...state, invocation_id: "inv_3" });
    expect(world.observations.map(({ failed, probe }) => ({ failed, probe }))).toEqual([
      { failed: false, probe: true },
      { failed: true, probe: true },
      { failed: false, probe: true },
    ]);
    expect(world.observations.every((o) => o.ms > 0)).toBe(true);
  });
});

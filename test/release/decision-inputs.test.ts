import { describe, expect, it } from "vitest";
import { runToolCall } from "../../src/pipeline/run";
import { fakeDeps, policyRow, snapshotOf, toolCall } from "../pipeline/fake-deps";

const REFUND = "payments.create_refund";

describe("decision inputs kept for replay", () => {
  it("keeps what decide() was told about an authorized call, with the arguments as records show them", async () => {
    const { deps, world, settled } = fakeDeps();
    const snapshot = await snapshotOf([]);
    const call = toolCall(
      snapshot,
      REFUND,
      { amount_cents: 100, note: "refund for pat@example.com" },
      { workspace: "acme" },
    );
    const { outcome } = await runToolCall(deps, call);
    await settled();
    expect(world.inputs).toHaveLength(1);
    const [input] = world.inputs;
    expect(input).toMatchObject({
      tenant_id: "acme",
      invocation_id: outcome.invocation_id,
      decision: "authorized",
      reason_code: "default_allow",
      snapshot: snapshot.hash,
      args: { amount_cents: 100, note: "refund for [REDACTED:email]" },
      redacted: ["$.note"],
      facts: {
        tool: { name: REFUND, host: "payments" },
        agent: { id: "agt_support", name: "support-agent", owner: "owner@acme.test", scopes: ["support"] },
        context: { user: "owner@acme.test", workspace: "acme" },
      },
    });
    expect(input!.args_hash).toMatch(/^sha256:/);
    expect(JSON.stringify(world.inputs)).not.toContain("pat@example.com");
  });

  it("keeps a denied call's input, redacted, though the guards never ran", async () => {
    const { deps, world, settled } = fakeDeps();
    const rows = [policyRow("no_refunds", { Type: "block", Mode: "block", Tools: REFUND })];
    await runToolCall(deps, toolCall(await snapshotOf(rows), REFUND, { amount_cents: 5, email: "pat@example.com" }));
    await settled();
    expect(world.inputs.map((input) => [input.decision, input.reason_code, input.args, input.redacted])).toEqual([
      ["denied", "no_refunds", { amount_cents: 5, email: "[REDACTED:email]" }, ["$.email"]],
    ]);
  });

  it("keeps nothing for a call no policy looked at", async () => {
    const { deps, world, settled } = fakeDeps();
    await runToolCall(deps, toolCall(await snapshotOf([]), REFUND, {}));
    await runToolCall(deps, toolCall(await snapshotOf([]), REFUND, { amount_cents: 1 }, { workspace: "elsewhere" }));
    await settled();
    expect(world.audit).toHaveLength(2);
    expect(world.inputs).toEqual([]);
  });

  it("answers the call when keeping its input fails", async () => {
    const { deps, world, settled } = fakeDeps();
    deps.decisionInputs = { keep: () => Promise.reject(new Error("D1 is down")) };
    const { outcome } = await runToolCall(deps, toolCall(await snapshotOf([]), REFUND, { amount_cents: 1 }));
    await settled();
    expect(outcome.outcome).toBe("succeeded");
    expect(world.audit).toHaveLength(1);
  });
});

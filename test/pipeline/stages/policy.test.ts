import { describe, expect, it } from "vitest";
import { policy } from "../../../src/pipeline/stages/policy";
import { fakeDeps, identifiedState, policyRow, principal, snapshotOf, toolCall, NOW } from "../fake-deps";

async function validated(rows: unknown[], args: unknown, meta: Record<string, unknown> = {}) {
  const { deps } = fakeDeps();
  return identifiedState(deps, toolCall(await snapshotOf(rows), "payments.create_refund", args, meta));
}

describe("the policy stage", () => {
  it("denies a call a block policy matches, naming the policy and not inviting a retry", async () => {
    const rows = [policyRow("no_refunds", { Type: "block", Mode: "block", Tools: "payments.create_refund" })];
    const step = policy(await validated(rows, { amount_cents: 100 }));
    if (step.kind !== "end") throw new Error("expected a denial");
    expect(step.verdict).toBe("denied");
    expect(step.result.denial).toEqual({
      code: "no_refunds",
      message: "no_refunds says so.",
      retryable: false,
      details: { policy: "no_refunds", policy_name: "Policy no_refunds" },
    });
  });

  it("holds a call an approval policy matches, and lets the same tool through below its condition", async () => {
    const rows = [
      policyRow("big_refund", {
        Type: "approval",
        Mode: "pause",
        Tools: "payments.create_refund",
        Condition: "args.amount_cents > 50000",
      }),
    ];
    const held = policy(await validated(rows, { amount_cents: 60_000 }));
    const small = policy(await validated(rows, { amount_cents: 100 }));
    expect(held.kind === "next" && held.state.decision.decision).toBe("escalated");
    expect(small.kind === "next" && small.state.decision.decision).toBe("authorized");
  });

  it("decides for the person the agent acts for, when the caller names one it may act for, in its minted run", async () => {
    const { deps } = fakeDeps();
    const run = await deps.runs.mint({ tenant_id: principal.tenant.id, agent_id: principal.agent.id }, NOW);
    const meta = { on_behalf_of: "pat@acme.test", run_id: run!.run_id, workspace: "acme" };
    const step = policy(await validated([], { amount_cents: 100 }, meta));
    if (step.kind !== "next") throw new Error("expected the call to go on");
    expect(step.state.facts.context).toMatchObject({ user: "pat@acme.test", workspace: "acme", run_id: run!.run_id });
  });
});

import { describe, expect, it } from "vitest";
import type { DecisionInput } from "../../src/db/decision-inputs";
import { argumentReads } from "../../src/release/argument-reads";
import { replay } from "../../src/release/replay";
import { policyRow, snapshotOf } from "../pipeline/fake-deps";

const REFUND = "payments.create_refund";
const LOOKUP = "payments.lookup";

/** A recorded call of `tool` by `agent` with these (already redacted) arguments. */
function input(
  n: number,
  tool: string,
  args: Record<string, unknown>,
  redacted: string[] = [],
  agent = "support-agent",
): DecisionInput {
  return {
    tenant_id: "acme",
    invocation_id: `inv_${n}`,
    created_at: `2026-12-0${1 + (n % 5)}T10:00:00.000Z`,
    facts: {
      tool: { name: tool, host: "payments", annotations: { readOnlyHint: tool === LOOKUP, destructiveHint: false } },
      agent: { id: `agt_${agent}`, name: agent, owner: "owner@acme.test", scopes: ["support"] },
      context: {
        user: "owner@acme.test",
        workspace: null,
        correlation_id: null,
        session_id: null,
        run_id: null,
        now: "2026-12-01T10:00:00.000Z",
      },
    },
    args,
    redacted,
    args_hash: `sha256:${n}`,
    decision: "authorized",
    reason_code: "default_allow",
    snapshot: "sha256:old",
  };
}

const bigRefunds = (limit: number) =>
  policyRow("big_refunds", { Type: "block", Mode: "block", Tools: REFUND, Condition: `args.amount_cents > ${limit}` });

describe("replay", () => {
  it("finds exactly the calls a changed condition flips, grouped by tool, agent and reason code", async () => {
    const inForce = await snapshotOf([bigRefunds(500)]);
    const candidate = await snapshotOf([bigRefunds(100)]);
    const inputs = [50, 99, 100, 101, 250, 499, 500, 501, 900].map((amount, n) =>
      input(n, REFUND, { amount_cents: amount }),
    );
    inputs.push(input(20, LOOKUP, { order: "o_1" }), input(21, REFUND, { amount_cents: 300 }, [], "billing-agent"));
    const report = replay(inputs, inForce, candidate);
    expect(report).toMatchObject({ calls: 11, changed: 5, indeterminate: 0 });
    expect(report.groups.map((group) => [group.tool, group.agent, group.from, group.to, group.calls])).toEqual([
      [
        REFUND,
        "support-agent",
        { decision: "authorized", reason_code: "default_allow" },
        { decision: "denied", reason_code: "big_refunds" },
        4,
      ],
      [
        REFUND,
        "billing-agent",
        { decision: "authorized", reason_code: "default_allow" },
        { decision: "denied", reason_code: "big_refunds" },
        1,
      ],
    ]);
    const flipped = report.groups[0]!.examples.map((example) => example.args.amount_cents);
    expect(flipped).toEqual([101, 250, 499]);
  });

  it("reports a call whose deciding condition reads a redacted field as indeterminate, never guessed", async () => {
    const byEmail = policyRow("vip", {
      Type: "approval",
      Mode: "pause",
      Tools: REFUND,
      Condition: 'args.email == "[REDACTED:email]"',
    });
    const inForce = await snapshotOf([]);
    const candidate = await snapshotOf([byEmail]);
    const report = replay(
      [
        input(1, REFUND, { amount_cents: 1, email: "[REDACTED:email]" }, ["$.email"]),
        input(2, REFUND, { amount_cents: 1, email: "ops", note: "[REDACTED:phone]" }, ["$.note"]),
      ],
      inForce,
      candidate,
    );
    // Decided on the placeholder, call 1 would be held; its real email is unknown, so it is neither changed nor not.
    expect(report).toMatchObject({ calls: 2, changed: 0, indeterminate: 1 });
    expect(report.indeterminate_groups).toEqual([
      expect.objectContaining({
        tool: REFUND,
        calls: 1,
        paths: ["$.email"],
        examples: [expect.objectContaining({ invocation_id: "inv_1" })],
      }),
    ]);
  });

  it("calls nothing indeterminate for a tool whose rows did not change", async () => {
    const byEmail = policyRow("vip", {
      Type: "approval",
      Mode: "pause",
      Tools: REFUND,
      Condition: 'args.email == "x"',
    });
    const lookupBlock = policyRow("no_lookups", { Type: "block", Mode: "block", Tools: LOOKUP });
    const report = replay(
      [input(1, REFUND, { email: "[REDACTED:email]" }, ["$.email"]), input(2, LOOKUP, {})],
      await snapshotOf([byEmail]),
      await snapshotOf([byEmail, lookupBlock]),
    );
    expect(report).toMatchObject({ calls: 2, changed: 1, indeterminate: 0 });
  });

  it("reads which arguments a condition may read, erring towards all", () => {
    expect(argumentReads('args.amount_cents > 5 && args["note"] != ""')).toEqual({
      all: false,
      keys: new Set(["amount_cents", "note"]),
    });
    expect(argumentReads("size(args) > 2")).toEqual({ all: true });
    expect(argumentReads("agent.name == 'x'")).toEqual({ all: false, keys: new Set() });
  });
});

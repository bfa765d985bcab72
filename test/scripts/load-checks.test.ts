import { describe, expect, it } from "vitest";
// @ts-expect-error plain ESM helper of `npm run load`
import { hostExecutions, ledgerPairing, spendAgainstCap, table } from "../../scripts/load-checks.mjs";

type Entry = { kind: string; invocation_id: string | null; tenant_id: string; body: Record<string, unknown> };

const decision = (id: string, tenant_id = "load-a"): Entry => ({
  kind: "decision",
  invocation_id: id,
  tenant_id,
  body: {},
});
const outcome = (id: string, said = "succeeded", tenant_id = "load-a"): Entry => ({
  kind: "outcome",
  invocation_id: id,
  tenant_id,
  body: { outcome: said },
});
const call = (id: string, said = "succeeded", tool = "payments.lookup_customer") => ({
  tool,
  invocation_id: id,
  outcome: said,
});

describe("ledgerPairing", () => {
  const pairing = (entries: Entry[], calls = [call("inv_1")], otherInvocations = new Set<string>()) =>
    ledgerPairing({ entries, tenant: "load-a", calls, otherInvocations });

  it("finds nothing wrong when every call has its decision and outcome, saying what the agent was told", () => {
    expect(pairing([decision("inv_1"), outcome("inv_1")])).toMatchObject({
      unpaired: 0,
      lost: 0,
      mismatched: 0,
      foreign: 0,
      invocations: 1,
    });
  });

  it.each([
    ["a decision without its outcome is unpaired and lost", [decision("inv_1")], { unpaired: 1, lost: 1 }],
    [
      "two outcomes for one decision are unpaired",
      [decision("inv_1"), outcome("inv_1"), outcome("inv_1")],
      { unpaired: 1 },
    ],
    ["a call the ledger never saw is lost", [], { lost: 1 }],
    [
      "an outcome entry unlike the answer is mismatched",
      [decision("inv_1"), outcome("inv_1", "denied")],
      { mismatched: 1 },
    ],
    [
      "an entry stamped with the other tenant is foreign",
      [decision("inv_1"), outcome("inv_1"), decision("inv_9", "load-b")],
      { foreign: 1 },
    ],
  ])("%s", (_, entries, expected) => {
    expect(pairing(entries as Entry[])).toMatchObject(expected);
  });

  it("counts an entry naming the other tenant's invocation as foreign", () => {
    const entries = [decision("inv_1"), outcome("inv_1"), decision("inv_b"), outcome("inv_b")];
    expect(pairing(entries, [call("inv_1")], new Set(["inv_b"])).foreign).toBe(2);
  });

  it("expects no ledger entries for governance tools", () => {
    expect(pairing([], [call("inv_1", "succeeded", "governance.escalation_status")]).lost).toBe(0);
  });
});

describe("hostExecutions", () => {
  const refund = (invocation_id: string, reason: string) => ({ invocation_id, reason, amount_cents: 100 });

  it("finds one refund per authorized invocation and logical call", () => {
    const refunds = [refund("inv_1", "load 1"), refund("inv_2", "load 2")];
    expect(hostExecutions({ refunds, succeededRefunds: new Set(["inv_1", "inv_2"]) })).toEqual({
      executions: 2,
      authorized: 2,
      double: 0,
      unrecorded: 0,
      unexecuted: 0,
    });
  });

  it.each([
    [
      "two refunds of one invocation are a double execution",
      [refund("inv_1", "a"), refund("inv_1", "b")],
      { double: 1 },
    ],
    [
      "two invocations refunding one logical call (its reason) are a double execution",
      [refund("inv_1", "load 1"), refund("inv_2", "load 1")],
      { double: 1 },
    ],
    ["a refund the ledger does not show as succeeded is unrecorded", [refund("inv_3", "load 3")], { unrecorded: 1 }],
    ["a succeeded invocation with no refund is unexecuted", [], { unexecuted: 1 }],
  ])("%s", (_, refunds, expected) => {
    expect(hostExecutions({ refunds, succeededRefunds: new Set(["inv_1"]) })).toMatchObject(expected);
  });
});

describe("spendAgainstCap", () => {
  it("reports the largest day's spend and no overspend within the cap", () => {
    const refunds = [
      { amount_cents: 60_000, day: "2026-12-06" },
      { amount_cents: 40_000, day: "2026-12-06" },
      { amount_cents: 90_000, day: "2026-12-07" },
    ];
    expect(spendAgainstCap({ refunds, cap: 100_000 })).toEqual({ cap: 100_000, spent: 100_000, overspend: 0, days: 2 });
  });

  it("counts every cent past the cap on any day", () => {
    const refunds = [
      { amount_cents: 100_000, day: "2026-12-06" },
      { amount_cents: 1, day: "2026-12-06" },
    ];
    expect(spendAgainstCap({ refunds, cap: 100_000 }).overspend).toBe(1);
  });
});

describe("table", () => {
  it("pads each column to its widest cell", () => {
    expect(table(["a", "bb"], [["long", 1]])).toEqual(["a     bb", "long  1"]);
  });
});

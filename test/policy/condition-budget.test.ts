import { describe, expect, it } from "vitest";
import { CONDITION_MAX_INPUT_VALUES } from "../../src/policy/cel-cost";
import { decide } from "../../src/policy/decide";
import { request, row, snapshotOf } from "./helpers";

/** An accepted condition whose work grows with the list it iterates, nested over each element's own list. */
const NESTED = 'args.orders.exists(o, o.lines.exists(l, l.sku == "x" && l.qty > 100))';

const hostile = {
  sku: "x",
  orders: Array.from({ length: CONDITION_MAX_INPUT_VALUES }, () => ({ lines: [{ sku: "y", qty: 1 }] })),
};
const modest = { sku: "x", orders: [{ lines: [{ sku: "x", qty: 500 }] }] };

async function decideWith(rows: Record<string, unknown>[], args: Record<string, unknown>) {
  return decide(await snapshotOf(rows), request({ args }));
}

describe("a condition stopped at its budget", () => {
  it("makes a block row deny with condition_budget_exceeded, naming the row", async () => {
    const decision = await decideWith([row({ Condition: NESTED })], hostile);
    expect(decision).toMatchObject({
      decision: "denied",
      reason_code: "condition_budget_exceeded",
      policy_ids: ["p1"],
      message: expect.stringContaining('The condition of policy "Block refunds" needed more work than its budget'),
    });
    expect(decision.condition_errors).toEqual([
      {
        policy_id: "p1",
        error: expect.stringMatching(/^condition_budget_exceeded: `args` holds more than 10,000 values/),
      },
    ]);
  });

  it("makes a pause row hold the call with condition_budget_exceeded", async () => {
    const pause = row({ Type: "approval", Mode: "pause", Condition: NESTED, Approvers: "ops" });
    expect(await decideWith([pause], hostile)).toMatchObject({
      decision: "escalated",
      reason_code: "condition_budget_exceeded",
      approvers: ["ops"],
    });
  });

  it("never lets an allow row match, and records why", async () => {
    const allow = row({ Type: "allow", Mode: "log", Condition: NESTED });
    const decision = await decideWith([allow], hostile);
    expect(decision).toMatchObject({ decision: "authorized", reason_code: "default_allow", policy_ids: [] });
    expect(decision.condition_errors[0]?.error).toMatch(/^condition_budget_exceeded: /);
  });

  it("leaves the reason of a row that matched on its own when it decides first", async () => {
    const plain = row({ "Policy ID": "a_plain", Condition: 'args.sku == "x"', "Reason code": "sku_blocked" });
    const stopped = row({ "Policy ID": "b_nested", Condition: NESTED });
    expect(await decideWith([plain, stopped], hostile)).toMatchObject({
      reason_code: "sku_blocked",
      policy_ids: ["a_plain", "b_nested"],
    });
  });

  it("evaluates the same condition normally on arguments within the limits", async () => {
    expect(await decideWith([row({ Condition: NESTED })], modest)).toMatchObject({
      decision: "denied",
      reason_code: "policy_blocked",
      condition_errors: [],
    });
  });
});

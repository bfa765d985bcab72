import { describe, expect, it } from "vitest";
import { compilePolicies, DEFAULT_POSTURE } from "../../src/policy";
import { decide } from "../../src/policy/decide";
import { compileStoredPolicies, POLICY_ROW_UNUSABLE } from "../../src/policy/stored";
import { request, row } from "./helpers";

/** A condition an earlier engine stored and this one refuses: nested comprehensions over two argument lists. */
const TOO_COSTLY = "args.items.all(x, args.items.all(y, x == y))";

const stored = (rows: Record<string, unknown>[]) => compileStoredPolicies(rows, { posture: DEFAULT_POSTURE });

describe("stored rows this engine refuses", () => {
  it("a block row still refuses every call to its tools, with policy_row_unusable and why", async () => {
    const snapshot = await stored([row({ Condition: TOO_COSTLY, Tools: "payments.create_refund" })]);
    expect(decide(snapshot, request({ tool: "payments.create_refund" }))).toMatchObject({
      decision: "denied",
      reason_code: POLICY_ROW_UNUSABLE,
      policy_ids: ["p1"],
      message: expect.stringContaining("Policy p1 no longer compiles"),
    });
    expect(decide(snapshot, request({ tool: "crm.search" })).decision).toBe("authorized");
  });

  it("a pause row still holds its calls for approval", async () => {
    const pause = row({ Type: "approval", Mode: "pause", Condition: TOO_COSTLY, Approvers: "ops" });
    expect(decide(await stored([pause]), request())).toMatchObject({
      decision: "escalated",
      reason_code: POLICY_ROW_UNUSABLE,
    });
  });

  it("a row whose Tools cell cannot be read covers every tool", async () => {
    const snapshot = await stored([row({ Condition: TOO_COSTLY, Tools: "payments.(refund|void)" })]);
    expect(decide(snapshot, request({ tool: "crm.search" }))).toMatchObject({
      decision: "denied",
      reason_code: POLICY_ROW_UNUSABLE,
    });
  });

  it("an allow row, a Draft row and a Shadow row drop out, and the rows that still compile keep deciding", async () => {
    const snapshot = await stored([
      row({ "Policy ID": "allow-all", Type: "allow", Mode: "log", Condition: TOO_COSTLY, Tools: "*" }),
      row({ "Policy ID": "draft", Status: "Draft", Condition: TOO_COSTLY }),
      row({ "Policy ID": "shadow", Status: "Shadow", Condition: TOO_COSTLY }),
      row({ "Policy ID": "crm-block", Tools: "crm.delete_contact" }),
    ]);
    expect(snapshot.policies.map((policy) => policy.policy_id)).toEqual(["crm-block"]);
    expect(decide(snapshot, request({ tool: "crm.delete_contact" })).reason_code).toBe("policy_blocked");
  });

  it("rows that all compile give the same snapshot as compiling them anew", async () => {
    const rows = [row(), row({ "Policy ID": "p2", Tools: "crm.*" })];
    const fresh = await compilePolicies(rows, { posture: DEFAULT_POSTURE });
    expect((await stored(rows)).hash).toBe(fresh.snapshot.hash);
  });
});

import { describe, expect, it } from "vitest";
import { toolPolicyState } from "../../src/policy/tool-state";
import { DEFAULT_POSTURE, type DefaultPosture, type ToolAnnotations } from "../../src/policy/types";
import { ANNOTATIONS, request, row, snapshotOf } from "./helpers";

async function stateOf(
  rows: Record<string, unknown>[],
  annotations: ToolAnnotations = ANNOTATIONS.write,
  posture: DefaultPosture = DEFAULT_POSTURE,
) {
  const { tool, agent } = request({ annotations });
  return toolPolicyState(await snapshotOf(rows, posture), tool, agent);
}

const named = (overrides: Record<string, unknown>) => row({ Name: "Refunds over $500 need a manager", ...overrides });

describe("toolPolicyState", () => {
  it.each([
    ["an unconditional block row", [row({ Name: "No refunds" })], "blocked", "blocked (No refunds)"],
    [
      "an unconditional pause row",
      [named({ Type: "approval", Mode: "pause" })],
      "approval_required",
      "approval_required (Refunds over $500 need a manager)",
    ],
    [
      "a block row with a condition",
      [named({ Condition: "args.amount_cents > 50000" })],
      "restricted",
      "restricted (Refunds over $500 need a manager)",
    ],
    [
      "a pause row limited to some users",
      [named({ Type: "approval", Mode: "pause", Users: ["bo@example.com"] })],
      "restricted",
      "restricted (Refunds over $500 need a manager)",
    ],
    [
      "an alert row",
      [row({ Name: "Watch refunds", Type: "block", Mode: "alert" })],
      "audited",
      "audited (Watch refunds)",
    ],
    ["a compliance log row", [row({ Name: "SOX", Type: "compliance", Mode: "log" })], "audited", "audited (SOX)"],
    ["no row", [], "open", "open (default posture: write tools run at once)"],
    [
      "a block row for another agent",
      [row({ Agents: ["other"] })],
      "open",
      "open (default posture: write tools run at once)",
    ],
    ["a shadow block row", [row({ Status: "Shadow" })], "open", "open (default posture: write tools run at once)"],
  ])("is %s → %s", async (_, rows, state, summary) => {
    const result = await stateOf(rows);
    expect(result.state).toBe(state);
    expect(result.summary).toBe(summary);
  });

  it.each([
    ["read-only", ANNOTATIONS.read_only, "open (default posture: read-only tools run at once)"],
    [
      "destructive",
      ANNOTATIONS.destructive,
      "approval_required (default posture: destructive tools wait for approval)",
    ],
    ["unannotated", ANNOTATIONS.unannotated, "blocked (default posture: tools without annotations are denied)"],
  ])("follows the default posture for a %s tool", async (_, annotations, summary) => {
    expect((await stateOf([], annotations)).summary).toBe(summary);
  });

  it("is open when an unconditional allow row overrides a hold posture", async () => {
    const result = await stateOf([row({ Name: "Let it run", Type: "allow", Mode: "log" })], ANNOTATIONS.destructive);
    expect(result).toEqual({
      state: "open",
      policies: [{ id: "p1", name: "Let it run" }],
      summary: "open (Let it run)",
    });
  });

  it("is restricted when only a conditional allow row could override a deny posture", async () => {
    const rows = [row({ Name: "Small ones", Type: "allow", Mode: "log", Condition: "args.amount_cents < 100" })];
    expect((await stateOf(rows, ANNOTATIONS.unannotated)).state).toBe("restricted");
  });

  it("stays blocked under a deny posture when only alert rows match, as decide() would deny", async () => {
    const rows = [row({ Type: "block", Mode: "alert" })];
    expect((await stateOf(rows, ANNOTATIONS.unannotated)).state).toBe("blocked");
  });

  it("prefers a certain block to anything conditional", async () => {
    const rows = [
      row({ "Policy ID": "a", Condition: "args.x > 1" }),
      row({ "Policy ID": "b", Type: "approval", Mode: "pause" }),
      row({ "Policy ID": "c" }),
    ];
    expect((await stateOf(rows)).policies).toEqual([{ id: "c", name: "Block refunds" }]);
  });
});

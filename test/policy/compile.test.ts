import { describe, expect, it } from "vitest";
import { compilePolicies } from "../../src/policy/compile";
import { DEFAULT_POSTURE } from "../../src/policy/types";
import { row } from "./helpers";

const rows = [
  row({ "Policy ID": "a", Tools: "payments.*" }),
  row({ "Policy ID": "b", Type: "approval", Mode: "pause", Tools: "crm.*", Condition: "args.x > 1" }),
  row({ "Policy ID": "c", Type: "allow", Mode: "log", Tools: "*" }),
];

const compile = (input: unknown[], posture = DEFAULT_POSTURE) => compilePolicies(input, { posture });

describe("compilePolicies", () => {
  it("refuses every row that shares a Policy ID", async () => {
    const { snapshot, rejected } = await compile([
      row({ "Policy ID": "dup" }),
      row({ "Policy ID": "dup" }),
      row({ "Policy ID": "ok" }),
    ]);
    expect(rejected).toEqual([
      { row: "dup", reason: 'Policy ID: "dup" is used by 2 rows; give each row its own id' },
      { row: "dup", reason: 'Policy ID: "dup" is used by 2 rows; give each row its own id' },
    ]);
    expect(snapshot.policies.map((p) => p.policy_id)).toEqual(["ok"]);
  });

  it("skips Draft and Retired rows without refusing them", async () => {
    const { snapshot, rejected } = await compile([
      row({ "Policy ID": "d", Status: "Draft" }),
      row({ "Policy ID": "r", Status: "Retired" }),
      row({ "Policy ID": "s", Status: "Shadow" }),
      row({ "Policy ID": "a", Status: "Active" }),
    ]);
    expect(rejected).toEqual([]);
    expect(snapshot.policies.map((p) => p.policy_id)).toEqual(["a", "s"]);
  });

  it("orders policies by priority descending, then Policy ID", async () => {
    const { snapshot } = await compile([
      row({ "Policy ID": "b" }),
      row({ "Policy ID": "a" }),
      row({ "Policy ID": "z", Priority: 5 }),
      row({ "Policy ID": "m", Priority: -1 }),
    ]);
    expect(snapshot.policies.map((p) => p.policy_id)).toEqual(["z", "a", "b", "m"]);
  });

  it("gives the same hash whatever the row order", async () => {
    const forward = await compile(rows);
    const backward = await compile([...rows].reverse());
    expect(forward.snapshot.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(backward.snapshot.hash).toBe(forward.snapshot.hash);
  });

  it("ignores Sync status and unknown properties in the hash", async () => {
    const noisy = rows.map((r) => ({ ...r, "Sync status": "ok", Color: "red" }));
    expect((await compile(noisy)).snapshot.hash).toBe((await compile(rows)).snapshot.hash);
  });

  it.each([
    ["Name", "Renamed"],
    ["Mode", "alert"],
    ["Tools", "payments.list_refunds"],
    ["Condition", "args.x > 2"],
    ["Priority", 3],
    ["Agents", ["bot"]],
    ["Tags", ["SOX"]],
    ["Message", "New words."],
    ["Status", "Shadow"],
  ])("changes the hash when %s is edited", async (column, value) => {
    const before = (await compile(rows)).snapshot.hash;
    const edited = rows.map((r) => (r["Policy ID"] === "a" ? { ...r, [column]: value } : r));
    const after = await compile(edited);
    expect(after.rejected).toEqual([]);
    expect(after.snapshot.hash).not.toBe(before);
  });

  it("changes the hash when the posture changes", async () => {
    const before = (await compile(rows)).snapshot.hash;
    const after = (await compile(rows, { ...DEFAULT_POSTURE, write: "hold" })).snapshot.hash;
    expect(after).not.toBe(before);
  });

  it("finds candidates by exact name, host wildcard and glob, in deciding order", async () => {
    const { snapshot } = await compile([
      row({ "Policy ID": "exact", Tools: "crm.get_contact" }),
      row({ "Policy ID": "host", Tools: "crm.*" }),
      row({ "Policy ID": "glob", Tools: "*.get_*", Priority: 1 }),
      row({ "Policy ID": "other", Tools: "payments.*" }),
    ]);
    expect(snapshot.candidates("crm.get_contact").map((p) => p.policy_id)).toEqual(["glob", "exact", "host"]);
    expect(snapshot.candidates("crm.get_contact")).toBe(snapshot.candidates("crm.get_contact"));
    expect(snapshot.candidates("serviceops.list_technicians")).toEqual([]);
  });
});

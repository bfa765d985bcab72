import { describe, expect, it } from "vitest";
import { decide } from "../../src/policy/decide";
import type { PolicySnapshot } from "../../src/policy/compile";
import { DEFAULT_POSTURE, type DecisionRequest, type DefaultPosture } from "../../src/policy/types";
import { ANNOTATIONS, request, row, snapshotOf } from "./helpers";

const block = (overrides: Record<string, unknown> = {}) => row({ Type: "block", Mode: "block", ...overrides });
const pause = (overrides: Record<string, unknown> = {}) => row({ Type: "approval", Mode: "pause", ...overrides });
const allow = (overrides: Record<string, unknown> = {}) => row({ Type: "allow", Mode: "log", ...overrides });

async function decisionFor(rows: Record<string, unknown>[], call: DecisionRequest = request()) {
  return decide(await snapshotOf(rows), call);
}

describe("a block row", () => {
  it.each([
    ["the tool matches exactly", {}, request(), "denied"],
    ["the tool matches a host wildcard", { Tools: "payments.*" }, request(), "denied"],
    ["another tool is called", {}, request({ tool: "payments.list_refunds" }), "authorized"],
    ["its Agents list names the agent's id", { Agents: ["agt_1"] }, request(), "denied"],
    ["its Agents list names the agent's name", { Agents: ["refund-bot"] }, request(), "denied"],
    ["its Agents list names someone else", { Agents: ["other-bot"] }, request(), "authorized"],
    ["its Scopes list has one of the agent's scopes", { Scopes: ["support", "x"] }, request(), "denied"],
    [
      "its Scopes list has the call's workspace",
      { Scopes: ["acme"] },
      request({ context: { workspace: "acme" } }),
      "denied",
    ],
    ["its Scopes list has neither", { Scopes: ["finance"] }, request({ context: { workspace: "acme" } }), "authorized"],
    [
      "its Users list has the call's user",
      { Users: ["bo@example.com"] },
      request({ context: { user: "bo@example.com" } }),
      "denied",
    ],
    ["its Users list has the agent's owner and no user is given", { Users: ["ana@example.com"] }, request(), "denied"],
    [
      "its Users list lacks the call's user, even if the owner is listed",
      { Users: ["ana@example.com"] },
      request({ context: { user: "bo@example.com" } }),
      "authorized",
    ],
    ["its condition holds", { Condition: "args.amount_cents > 500" }, request(), "denied"],
    ["its condition does not hold", { Condition: "args.amount_cents > 5000" }, request(), "authorized"],
  ])("applies when %s", async (_, overrides, call, expected) => {
    expect((await decisionFor([block(overrides)], call)).decision).toBe(expected);
  });

  it("denies with the row's reason code, message, name and the snapshot hash", async () => {
    const snapshot = await snapshotOf([
      block({ "Reason code": "refunds_frozen", Message: "Refunds are frozen.", Name: "Freeze" }),
    ]);
    expect(decide(snapshot, request())).toMatchObject({
      decision: "denied",
      reason_code: "refunds_frozen",
      message: "Refunds are frozen.",
      policy_ids: ["p1"],
      policy_count: 1,
      policy_name: "Freeze",
      snapshot: snapshot.hash,
    });
  });
});

describe("combining rows", () => {
  it("lets block beat pause beat allow", async () => {
    const rows = [allow({ "Policy ID": "a" }), pause({ "Policy ID": "b" }), block({ "Policy ID": "c" })];
    expect(await decisionFor(rows)).toMatchObject({ decision: "denied", policy_ids: ["c"] });
    expect(await decisionFor(rows.slice(0, 2))).toMatchObject({ decision: "escalated", policy_ids: ["b"] });
    expect(await decisionFor(rows.slice(0, 1))).toMatchObject({
      decision: "authorized",
      policy_ids: ["a"],
      reason_code: "policy_allowed",
    });
  });

  it("lists the rows of the winning strength by priority, then id, and takes reason and message from the first", async () => {
    const decision = await decisionFor([
      pause({ "Policy ID": "b", "Reason code": "b_code" }),
      pause({ "Policy ID": "a", "Reason code": "a_code" }),
      pause({ "Policy ID": "z", "Reason code": "z_code", Priority: 10, Message: "Z first." }),
      allow({ "Policy ID": "y", Priority: 100 }),
    ]);
    expect(decision).toMatchObject({
      decision: "escalated",
      policy_ids: ["z", "a", "b"],
      policy_count: 3,
      reason_code: "z_code",
      message: "Z first.",
    });
  });

  it("unions the approvers of the deciding pause rows and the tags of every matching active row", async () => {
    const decision = await decisionFor([
      pause({ "Policy ID": "a", Approvers: ["manager", "cfo"], Tags: ["SOX"] }),
      pause({ "Policy ID": "b", Approvers: ["manager", "ops"] }),
      row({ "Policy ID": "c", Type: "compliance", Mode: "log", Tags: ["SOX", "PCI"] }),
      row({ "Policy ID": "d", Type: "compliance", Mode: "log", Tags: ["GDPR"], Status: "Shadow" }),
    ]);
    expect(decision.approvers).toEqual(["manager", "cfo", "ops"]);
    expect(decision.tags).toEqual(["SOX", "PCI"]);
  });

  it("lists matching active alert rows and still lets the call through", async () => {
    const decision = await decisionFor([
      row({ "Policy ID": "alert_1", Type: "block", Mode: "alert" }),
      row({ "Policy ID": "alert_2", Type: "approval", Mode: "alert", Condition: "args.amount_cents > 99999" }),
    ]);
    expect(decision).toMatchObject({
      decision: "authorized",
      reason_code: "default_allow",
      alerts: ["alert_1"],
      policy_ids: [],
    });
  });

  it("does not let alert or log rows of other types grant permission under a deny posture", async () => {
    const snapshot = await snapshotOf(
      [
        row({ "Policy ID": "c", Type: "compliance", Mode: "log" }),
        row({ "Policy ID": "b", Type: "block", Mode: "alert" }),
      ],
      { ...DEFAULT_POSTURE, write: "deny" },
    );
    expect(decide(snapshot, request())).toMatchObject({
      decision: "denied",
      reason_code: "default_deny",
      alerts: ["b"],
    });
  });

  it("lets an explicit allow row open a tool the posture would hold", async () => {
    const rows = [allow({ Tools: "crm.delete_contact" })];
    const call = request({ tool: "crm.delete_contact", annotations: ANNOTATIONS.destructive });
    expect(await decisionFor([], call)).toMatchObject({ decision: "escalated", reason_code: "default_hold" });
    expect(await decisionFor(rows, call)).toMatchObject({ decision: "authorized", reason_code: "policy_allowed" });
  });
});

describe("the default posture", () => {
  it.each([
    ["read-only", ANNOTATIONS.read_only, "authorized", "default_allow"],
    ["write", ANNOTATIONS.write, "authorized", "default_allow"],
    ["destructive", ANNOTATIONS.destructive, "escalated", "default_hold"],
    ["readOnlyHint false with destructiveHint unset", { readOnlyHint: false }, "escalated", "default_hold"],
    ["unannotated", ANNOTATIONS.unannotated, "denied", "default_deny"],
  ])("decides a %s tool no policy matched", async (_, annotations, decision, reason) => {
    const result = await decisionFor([], request({ annotations }));
    expect(result).toMatchObject({ decision, reason_code: reason, policy_ids: [], policy_count: 0, policy_name: null });
  });

  it("says in its message which posture applied", async () => {
    const result = await decisionFor([], request({ annotations: ANNOTATIONS.destructive }));
    expect(result.message).toBe(
      "No policy decided this call; under the default posture destructive tools wait for approval.",
    );
  });

  it.each([
    ["read_only", "allow", "read-only tools run at once"],
    ["write", "hold", "write tools wait for approval"],
    ["destructive", "deny", "destructive tools are denied"],
    ["unannotated", "hold", "tools without annotations wait for approval"],
  ] as const)("names the posture of %s tools (%s) in its message", async (toolClass, effect, clause) => {
    const posture: DefaultPosture = { read_only: "deny", write: "deny", destructive: "allow", unannotated: "allow" };
    posture[toolClass] = effect;
    const snapshot = await snapshotOf([], posture);
    const result = decide(snapshot, request({ annotations: ANNOTATIONS[toolClass] }));
    expect(result.message).toBe(`No policy decided this call; under the default posture ${clause}.`);
  });
});

describe("conditions that error", () => {
  it.each([
    ["block", "block", "denied"],
    ["approval", "pause", "escalated"],
    ["block", "alert", "escalated"],
    ["allow", "log", "escalated"],
  ])(
    "count as matching for a %s/%s row only when it blocks or pauses (else the hold posture decides)",
    async (Type, Mode, decision) => {
      const call = request({ args: {}, annotations: ANNOTATIONS.destructive });
      const result = await decisionFor([row({ Type, Mode, Condition: "args.amount_cents > 5" })], call);
      expect(result.decision).toBe(decision);
      expect(result.condition_errors).toEqual([{ policy_id: "p1", error: "No such key: amount_cents" }]);
    },
  );
});

describe("shadow rows", () => {
  it("never change the decision but say what they would have done", async () => {
    const result = await decisionFor([
      block({ "Policy ID": "weekend", Status: "Shadow", Name: "No weekend refunds", "Reason code": "weekend" }),
      pause({ "Policy ID": "quiet", Status: "Shadow", Condition: "args.amount_cents > 99999" }),
    ]);
    expect(result).toMatchObject({ decision: "authorized", policy_ids: [], tags: [], alerts: [] });
    expect(result.shadow).toEqual([
      { policy_id: "weekend", policy_name: "No weekend refunds", would: "block", reason_code: "weekend" },
    ]);
  });

  it("record a condition error and would fail closed", async () => {
    const result = await decisionFor([block({ Status: "Shadow", Condition: "args.nope == 1" })]);
    expect(result.decision).toBe("authorized");
    expect(result.shadow.map((s) => s.would)).toEqual(["block"]);
    expect(result.condition_errors).toHaveLength(1);
  });
});

describe("decide() on hostile input", () => {
  let deep: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < 10_000; i++) deep = { next: deep };
  const protoArgs = JSON.parse('{"__proto__": {"amount_cents": 999999}, "constructor": {"name": "x"}}') as Record<
    string,
    unknown
  >;

  const conditions = [
    "args.amount_cents > 50000",
    "args.next.next.next.leaf == 1 || size(args) > 0",
    'args.memo.contains("x") && args.memo.matches("^a{1,50}$")',
    'args.constructor.name == "x"',
  ];
  const rows = conditions.map((Condition, i) => pause({ "Policy ID": `c${i}`, Condition }));
  const hostile: [string, unknown][] = [
    ["args with __proto__", protoArgs],
    ["deeply nested args", deep],
    ["a huge string", { memo: "a".repeat(5_000_000), amount_cents: 1 }],
    ["a string instead of an object", "not an object"],
    ["null args", null],
    ["args with a bigint and a function", { amount_cents: 10n, f: () => 1 }],
  ];

  it.each(hostile)("returns a decision for %s", async (_, args) => {
    const snapshot = await snapshotOf(rows);
    const result = decide(snapshot, { ...request(), args: args as Record<string, unknown> });
    expect(["authorized", "escalated", "denied"]).toContain(result.decision);
    expect(result.snapshot).toBe(snapshot.hash);
  });

  it("keeps __proto__ arguments from reaching prototypes", async () => {
    const result = decide(await snapshotOf([block({ Condition: "args.amount_cents > 50000" })]), {
      ...request(),
      args: protoArgs,
    });
    expect(result.decision).toBe("denied");
    expect(result.condition_errors[0]?.error).toBe("No such key: amount_cents");
    expect(({} as Record<string, unknown>).amount_cents).toBeUndefined();
  });

  it("still raises an alert when the arguments carry a constructor key", async () => {
    const snapshot = await snapshotOf([row({ Type: "block", Mode: "alert", Condition: "args.amount_cents > 100" })]);
    const args = JSON.parse('{"amount_cents": 500, "constructor": {"name": "x"}, "meta": {"constructor": 1}}');
    const result = decide(snapshot, { ...request(), args });
    expect(result).toMatchObject({ alerts: ["p1"], condition_errors: [] });
  });

  it.each([
    ["a request without a tool", (r: DecisionRequest) => ({ ...r, tool: undefined })],
    [
      "an agent whose scopes are not a list",
      (r: DecisionRequest) => ({ ...r, agent: { ...r.agent, scopes: "support" } }),
    ],
    ["a request that is not an object", () => 42],
  ])("fails closed on %s", async (_, mangle) => {
    const snapshot = await snapshotOf([block({ Scopes: ["support"] })]);
    const result = decide(snapshot, mangle(request()) as unknown as DecisionRequest);
    expect(result).toMatchObject({ decision: "denied", reason_code: "policy_engine_error", snapshot: snapshot.hash });
  });

  it("fails closed on a broken snapshot", () => {
    const broken = {
      hash: "sha256:x",
      candidates: () => {
        throw new Error("boom");
      },
    } as unknown as PolicySnapshot;
    expect(decide(broken, request())).toMatchObject({ decision: "denied", reason_code: "policy_engine_error" });
    expect(decide(null as unknown as PolicySnapshot, request())).toMatchObject({ decision: "denied", snapshot: "" });
  });
});

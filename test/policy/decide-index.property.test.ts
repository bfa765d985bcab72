import { describe, expect, it, vi } from "vitest";
import { compilePolicies, type PolicySnapshot } from "../../src/policy/compile";
import { decide, decidePlainly, decideWithIndex } from "../../src/policy/decide";
import { MODES_BY_TYPE, POLICY_TYPES } from "../../src/policy/policy-row.schema";
import {
  DECIDING_LIST_LIMIT,
  DEFAULT_POSTURE,
  type DecisionRequest,
  type DefaultPosture,
} from "../../src/policy/types";
import { ANNOTATIONS } from "./helpers";

/** Deterministic PRNG (mulberry32): every run checks the same cases, and a failure names its seed. */
function randomFrom(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const some = <T>(items: readonly T[], chance: number): T[] => items.filter(() => next() < chance);
  return { next, pick, some };
}
type Random = ReturnType<typeof randomFrom>;

const TOOLS = ["pay.refund", "pay.charge", "crm.read", "crm.write"];
const AGENTS = ["a1", "a2", "a3", "bot"];
const SCOPES = ["support", "finance", "ops"];
const USERS = ["ana@x.com", "bo@x.com"];
const TAGS = ["sox", "gdpr", "pci"];
const BOUNDS = [-2, 0, 1, 1.5, 100, 500, 501, 1000, 2 ** 53];
/** Bounds as written in conditions; the last is past what a double holds exactly, so it is left to the interpreter. */
const LITERALS = [...BOUNDS.slice(0, -1).map(String), "9007199254740993"];

/** Conditions the index covers (thresholds, equality, membership, `&&` of them)… */
const indexed = (r: Random): string => {
  const k = r.pick(LITERALS);
  return r.pick([
    `args.amount > ${k}`,
    `args.amount >= ${k}`,
    `args.amount < ${k}`,
    `args.amount <= ${k}`,
    `${k} < args.amount`,
    `args.amount == ${k}`,
    `args.amount in [1, 2.5, ${k}]`,
    `args.currency == "${r.pick(["EUR", "USD", "GBP"])}"`,
    `args.currency in ["EUR", "GBP"]`,
    `args.flag == true`,
    `args.meta.tier == "${r.pick(["gold", "silver"])}"`,
    `args.meta.level > ${k}`,
    `args.currency == "EUR" && args.amount > ${k}`,
    `args.region == "${r.pick(["eu", "us"])}" && args.amount > ${k} && args.amount < ${Number(k) + 900}`,
    `args.amount > ${k} && args.flag == false`,
    `args.amount >= ${k} && args.meta.level <= ${r.pick(LITERALS)}`,
    `args.currency == "EUR" && args.memo.contains("x")`,
    // Tests beside other conjuncts, shared by rows with different thresholds (each runs once per call).
    `args.memo.contains("fraud") && args.amount > ${k}`,
    `args.amount <= ${k} && args.flag && args.currency in ["EUR", "USD"]`,
    `(args.currency == "EUR" || args.flag == true) && args.amount > ${k}`,
    `args.region == "${r.pick(["eu", "us"])}" && !(args.flag == true) && size(args.memo) > 1`,
  ]);
};
/** …and conditions it does not (left to the interpreter, shared by rows that repeat them). */
const evaluated = (r: Random): string =>
  r.pick([
    `args.memo.contains("fraud")`,
    `args.amount > 500 || args.currency == "EUR"`,
    `!(args.flag == true)`,
    `size(args.items) > 2`,
    `args.items.exists(i, i > 3)`,
    `agent.id == "a1"`,
    `has(args.amount)`,
    `args.amount > 1u`,
    `args["amount"] > 100`,
    `args.constructor == "x"`,
  ]);

function randomRow(r: Random, id: number, tools: readonly string[]): Record<string, unknown> {
  const type = r.pick(POLICY_TYPES);
  const row: Record<string, unknown> = {
    Name: `Policy ${id}`,
    "Policy ID": `p${id}`,
    Type: type,
    Mode: r.pick(MODES_BY_TYPE[type]),
    Status: r.pick(["Active", "Active", "Active", "Shadow", "Draft"]),
    Tools: r.pick(tools),
    Priority: Math.floor(r.next() * 4),
    Agents: r.next() < 0.25 ? r.some(AGENTS, 0.4) : [],
    Scopes: r.next() < 0.15 ? r.some(SCOPES, 0.5) : [],
    Users: r.next() < 0.1 ? r.some(USERS, 0.5) : [],
    Approvers: r.some(["lead@x.com", "cfo@x.com"], 0.3),
    Tags: r.some(TAGS, 0.2),
    Message: `message ${id}`,
  };
  const roll = r.next();
  if (roll < 0.55) row.Condition = indexed(r);
  else if (roll < 0.8) row.Condition = evaluated(r);
  if (type === "cost") Object.assign(row, { Cap: 100, Unit: "calls" });
  if (type === "content") row["Deny terms"] = "wire";
  return row;
}

/** A set of rows, all on one tool, one host, or spread over several. */
async function randomSnapshot(r: Random): Promise<PolicySnapshot> {
  const size = r.pick([1, 3, 8, 20, 40, 90, 200]);
  const tools = r.pick([["pay.refund"], ["pay.*"], ["pay.refund", "pay.*", "*.refund", "pay.ref??d"], TOOLS]);
  const rows = Array.from({ length: size }, (_, id) => randomRow(r, id, tools));
  const posture: DefaultPosture = {
    read_only: r.pick(["allow", "hold", "deny"] as const),
    write: r.pick(["allow", "hold", "deny"] as const),
    destructive: "hold",
    unannotated: "deny",
  };
  return (await compilePolicies(rows, { posture })).snapshot;
}

function randomValue(r: Random, typical: () => unknown): unknown {
  return r.next() < 0.7 ? typical() : r.pick([null, "500", true, 7, [1], { a: 1 }, -0, 1e308, undefined]);
}

/** More values than a condition whose work grows with its arguments may read: such conditions stop at their budget. */
const OVER_BUDGET_ITEMS = Array.from({ length: 10_001 }, (_, i) => i);

function randomArgs(r: Random): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  const maybe = (key: string, value: () => unknown) => {
    if (r.next() < 0.85) args[key] = randomValue(r, value);
  };
  maybe("amount", () => r.pick([...BOUNDS, 2.5, 499.99, 700, 1400, Math.floor(r.next() * 2000)]));
  maybe("currency", () => r.pick(["EUR", "USD", "GBP"]));
  maybe("region", () => r.pick(["eu", "us"]));
  maybe("flag", () => r.next() < 0.5);
  maybe("memo", () => r.pick(["possible fraud", "x marks", "plain"]));
  maybe("items", () => [1, 5, 2]);
  maybe("meta", () => ({ tier: r.pick(["gold", "silver"]), level: r.pick(BOUNDS) }));
  if (r.next() < 0.03) args.items = OVER_BUDGET_ITEMS;
  if (r.next() < 0.03) Object.defineProperty(args, "constructor", { value: "x", enumerable: true, writable: true });
  if (r.next() < 0.03) return Object.assign(Object.create(null) as Record<string, unknown>, args);
  return args;
}

function randomCall(r: Random): DecisionRequest {
  const name = r.pick(TOOLS);
  const agent = r.pick(AGENTS);
  return {
    tool: { name, host: name.split(".")[0]!, annotations: r.pick(Object.values(ANNOTATIONS)) },
    agent: { id: agent, name: r.pick([agent, "bot"]), owner: r.pick([...USERS, null]), scopes: r.some(SCOPES, 0.4) },
    args: randomArgs(r),
    context: {
      user: r.pick([null, null, ...USERS]),
      workspace: r.pick([null, "ops", "acme"]),
      correlation_id: null,
      session_id: null,
      run_id: null,
      now: "2026-07-06T10:00:00Z",
    },
  };
}

describe("decide() with its index", () => {
  it("gives the same decision as evaluating every row, on thousands of random sets and calls", async () => {
    const r = randomFrom(19);
    let cases = 0;
    const decided = new Set<string>();
    for (let set = 0; set < 300; set++) {
      const snapshot = await randomSnapshot(r);
      for (let call = 0; call < 40; call++) {
        const request = randomCall(r);
        const plain = decidePlainly(snapshot, request);
        const indexed = decideWithIndex(snapshot, request);
        expect(decide(snapshot, request)).toStrictEqual(plain);
        if (JSON.stringify(indexed) !== JSON.stringify(plain) || indexed.guards.length !== plain.guards.length)
          expect({ set, call, request, indexed }).toStrictEqual({ set, call, request, indexed: plain });
        expect(indexed.guards).toStrictEqual(plain.guards);
        decided.add(`${indexed.decision}:${indexed.reason_code}`);
        cases++;
      }
    }
    expect(cases).toBe(12_000);
    // The cases reach every outcome, including rows stopped at their budget and failing closed.
    for (const outcome of [
      "denied:policy_blocked",
      "denied:condition_budget_exceeded",
      "escalated:approval_required",
      "authorized:policy_allowed",
      "authorized:default_allow",
      "denied:default_deny",
    ])
      expect(decided).toContain(outcome);
  }, 120_000);

  it("gives the same decision on large sets of thresholds on one argument, as many as a tenant's rows on one tool", async () => {
    const r = randomFrom(15);
    for (let set = 0; set < 6; set++) {
      const op = r.pick([">", ">=", "<", "<="]);
      const rows = Array.from({ length: 700 }, (_, id) => ({
        ...randomRow(r, id, ["pay.refund"]),
        Condition: `args.amount ${r.next() < 0.8 ? op : r.pick([">", "<="])} ${Math.floor(r.next() * 2000)}`,
      }));
      const { snapshot } = await compilePolicies(rows, { posture: DEFAULT_POSTURE });
      for (let call = 0; call < 200; call++) {
        const request = randomCall(r);
        request.tool.name = "pay.refund";
        if (r.next() < 0.9) request.args.amount = Math.floor(r.next() * 2100) - 50;
        expect({ set, call, decision: decideWithIndex(snapshot, request) }).toStrictEqual({
          set,
          call,
          decision: decidePlainly(snapshot, request),
        });
      }
    }
  }, 120_000);

  it("gives the same decision on sets concentrated on one tool or one host, on thousands of random calls", async () => {
    const r = randomFrom(23);
    let cases = 0;
    for (let set = 0; set < 12; set++) {
      // The benchmark's mix (thresholds, equality and threshold, agent-scoped thresholds, a shared text test,
      // unconditional allows) beside random rows, hundreds of them on the same candidates.
      const tools = r.pick([["pay.refund"], ["pay.*", "pay.refund", "pay.charge"]]);
      const rows = Array.from({ length: 300 + Math.floor(r.next() * 500) }, (_, id) => {
        const row = randomRow(r, id, tools);
        const k = Math.floor(r.next() * 40) * 50;
        const roll = r.next();
        if (roll < 0.3) return { ...row, Agents: [], Scopes: [], Users: [], Condition: `args.amount > ${k}` };
        if (roll < 0.45) return { ...row, Condition: `args.region == "${r.pick(["eu", "us"])}" && args.amount > ${k}` };
        if (roll < 0.6)
          return { ...row, Agents: [r.pick(AGENTS)], Condition: `args.amount ${r.pick([">", "<="])} ${k}` };
        if (roll < 0.7)
          return {
            ...row,
            Condition: r.pick([
              `args.memo.contains("fraud")`,
              `args.memo.contains("fraud") && args.amount > ${k}`,
              `(args.region == "eu" || args.flag == true) && args.amount > ${k}`,
            ]),
          };
        if (roll < 0.8) return { ...row, Condition: "" };
        return row;
      });
      const { snapshot } = await compilePolicies(rows, { posture: DEFAULT_POSTURE });
      for (let call = 0; call < 250; call++) {
        const request = randomCall(r);
        request.tool.name = r.pick(["pay.refund", "pay.charge"]);
        if (r.next() < 0.8) request.args.amount = Math.floor(r.next() * 2100) - 50;
        const plain = decidePlainly(snapshot, request);
        expect({ set, call, decision: decide(snapshot, request) }).toStrictEqual({ set, call, decision: plain });
        cases++;
      }
    }
    expect(cases).toBe(3_000);
  }, 300_000);

  it("runs a conjunct shared by many rows once per call, beside their indexed thresholds", async () => {
    const rows = Array.from({ length: 200 }, (_, id) => ({
      Name: `Gold over ${id * 10}`,
      "Policy ID": `f${String(id).padStart(3, "0")}`,
      Type: "block",
      Mode: "block",
      Status: "Active",
      Tools: "pay.refund",
      Condition: `(args.tier == "gold" || args.vip == true) && args.amount > ${id * 10}`,
    }));
    const { snapshot } = await compilePolicies(rows, { posture: DEFAULT_POSTURE });
    const conjuncts = new Set(snapshot.plan("pay.refund").rest.flatMap((parts) => parts ?? []));
    expect(conjuncts.size).toBe(1);
    const evaluate = vi.spyOn([...conjuncts][0]!, "evaluate");
    const request = randomCall(randomFrom(3));
    request.tool.name = "pay.refund";
    request.args = { tier: "gold", amount: 995 };
    const decision = decide(snapshot, request);
    expect(evaluate).toHaveBeenCalledTimes(1);
    expect(decision.policy_count).toBe(100);
    expect(decision).toStrictEqual(decidePlainly(snapshot, request));
  });

  it("lists only the strongest deciding rows, up to the limit, and counts them all, with the index and without", async () => {
    const deciding = DECIDING_LIST_LIMIT + 25;
    // Inserted weakest first: the higher Priority decides first, so the list runs from the last row written back.
    const rows = Array.from({ length: deciding }, (_, id) => ({
      Name: `Hold ${id}`,
      "Policy ID": `h${String(id).padStart(3, "0")}`,
      Type: "approval",
      Mode: "pause",
      Status: "Active",
      Tools: "pay.refund",
      Priority: id,
      Condition: `args.amount > ${id}`,
    }));
    const { snapshot } = await compilePolicies(rows, { posture: DEFAULT_POSTURE });
    const request = randomCall(randomFrom(11));
    request.tool.name = "pay.refund";
    request.args = { amount: 1_000 };
    const strongest = rows.map((row) => row["Policy ID"]).reverse();
    for (const decision of [decideWithIndex(snapshot, request), decidePlainly(snapshot, request)])
      expect(decision).toMatchObject({
        decision: "escalated",
        policy_ids: strongest.slice(0, DECIDING_LIST_LIMIT),
        policy_count: deciding,
        policy_name: `Hold ${deciding - 1}`,
      });
  });

  it("names every approver of the deciding pause rows once, in deciding order, when the index decides", async () => {
    const rows = Array.from({ length: 60 }, (_, id) => ({
      Name: `Hold over ${id * 10}`,
      "Policy ID": `h${String(id).padStart(2, "0")}`,
      Type: "approval",
      Mode: "pause",
      Status: "Active",
      Tools: "pay.refund",
      Approvers: id % 3 === 0 ? [] : id % 3 === 1 ? ["lead@x.com", `owner${id % 4}@x.com`] : ["cfo@x.com"],
      Condition: `args.amount > ${id * 10}`,
    }));
    const { snapshot } = await compilePolicies(rows, { posture: DEFAULT_POSTURE });
    const request = randomCall(randomFrom(5));
    request.tool.name = "pay.refund";
    request.args = { amount: 75 };
    const decision = decideWithIndex(snapshot, request);
    // h00…h07 apply; h01, h04, h07 name the lead and an owner, h02 and h05 the CFO.
    expect(decision.approvers).toStrictEqual([
      "lead@x.com",
      "owner1@x.com",
      "cfo@x.com",
      "owner0@x.com",
      "owner3@x.com",
    ]);
    expect(decision).toStrictEqual(decidePlainly(snapshot, request));
  });

  it("answers each call afresh: a decision stays as given after later calls on the same tool", async () => {
    const rows = Array.from({ length: 100 }, (_, id) => ({
      Name: `Over ${id * 10}`,
      "Policy ID": `b${String(id).padStart(3, "0")}`,
      Type: "block",
      Mode: id % 2 === 0 ? "block" : "alert",
      Status: "Active",
      Tools: "pay.refund",
      Agents: id % 5 === 0 ? ["a1"] : [],
      Condition: `args.amount > ${id * 10}`,
    }));
    const { snapshot } = await compilePolicies(rows, { posture: DEFAULT_POSTURE });
    const call = (agent: string, amount: number) => {
      const request = randomCall(randomFrom(amount));
      request.tool.name = "pay.refund";
      request.agent = { ...request.agent, id: agent, name: agent };
      request.args = { amount };
      return request;
    };
    const first = decide(snapshot, call("a1", 2000));
    const kept = structuredClone(first);
    expect(first.policy_count).toBe(50);
    for (const [agent, amount] of [
      ["a2", 5],
      ["a1", 300],
      ["a3", -1],
    ] as const) {
      const request = call(agent, amount);
      expect(decide(snapshot, request)).toStrictEqual(decidePlainly(snapshot, request));
    }
    expect(first).toStrictEqual(kept);
  });

  it("answers a malformed request as plain evaluation does: denied as an engine fault", async () => {
    const rows = [
      {
        Name: "Ops only",
        "Policy ID": "ops",
        Type: "block",
        Mode: "block",
        Status: "Active",
        Tools: "pay.refund",
        Scopes: ["ops"],
      },
    ];
    const { snapshot } = await compilePolicies(rows, {
      posture: { read_only: "allow", write: "allow", destructive: "allow", unannotated: "allow" },
    });
    const call = randomCall(randomFrom(2));
    const request = { ...call, tool: { ...call.tool, name: "pay.refund" }, agent: { ...call.agent, scopes: "ops" } };
    const indexed = decideWithIndex(snapshot, request as unknown as DecisionRequest);
    expect(indexed).toMatchObject({ decision: "denied", reason_code: "policy_engine_error" });
    expect(indexed).toStrictEqual(decidePlainly(snapshot, request as unknown as DecisionRequest));
  });
});

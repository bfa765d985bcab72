import { describe, expect, it } from "vitest";
import type { DecisionInput } from "../../src/db/decision-inputs";
import { CONDITION_MAX_INPUT_VALUES } from "../../src/policy/cel-cost";
import { replay, replayPlainly } from "../../src/release/replay";
import { policyRow, snapshotOf } from "../pipeline/fake-deps";

const REFUND = "payments.create_refund";
const LOOKUP = "payments.lookup";
const EXPORT = "reports.export";
const NESTED = 'has(args.orders) && args.orders.exists(o, o.lines.exists(l, l.sku == "x" && l.qty > 100))';

/** Deterministic PRNG (mulberry32): every run replays the same traffic. */
function randomFrom(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
}

/** A recorded call, as read back from D1 (JSON values only). */
function input(
  n: number,
  tool: string,
  agent: string,
  args: Record<string, unknown>,
  context: { user?: string | null; now?: string } = {},
  redacted: string[] = [],
): DecisionInput {
  return {
    tenant_id: "acme",
    invocation_id: `inv_${n}`,
    created_at: `2026-12-0${1 + (n % 5)}T10:00:00.000Z`,
    facts: {
      tool: {
        name: tool,
        host: tool.split(".")[0]!,
        annotations: { readOnlyHint: tool === LOOKUP, destructiveHint: false },
      },
      agent: { id: `agt_${agent}`, name: agent, owner: `${agent}@acme.test`, scopes: [] },
      context: {
        user: context.user ?? null,
        workspace: null,
        correlation_id: `cor_${n}`,
        session_id: null,
        run_id: null,
        now: context.now ?? "2026-12-01T10:00:00.000Z",
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

/** Recorded traffic that repeats a few requests, as agents that poll and retry do, with the cases a key must tell apart. */
function repeatingTraffic(count: number): DecisionInput[] {
  const pick = randomFrom(16);
  const hostile = { orders: Array.from({ length: CONDITION_MAX_INPUT_VALUES }, () => ({ lines: [] })) };
  const calls: DecisionInput[] = [];
  for (let n = 0; n < count; n++) {
    const agent = pick(["support-agent", "billing-agent", "ops-bot"]);
    const shape = pick(["refund", "refund", "lookup", "export", "nested", "redacted"] as const);
    if (shape === "refund")
      calls.push(input(n, REFUND, agent, { amount_cents: pick([50, 300, 800]) }, { user: pick([null, "vip@acme"]) }));
    else if (shape === "lookup") calls.push(input(n, LOOKUP, agent, { order: pick(["o_1", "o_2"]) }));
    // The same arguments at two hours: a condition on context.now answers them differently.
    else if (shape === "export")
      calls.push(
        input(n, EXPORT, agent, { rows: 10 }, { now: pick(["2026-12-01T03:00:00.000Z", "2026-12-01T15:00:00.000Z"]) }),
      );
    // The same orders, once beside a list past the condition's budget: the whole arguments weigh on it.
    else if (shape === "nested")
      calls.push(
        input(n, REFUND, agent, {
          amount_cents: 10,
          orders: [{ lines: [{ sku: "x", qty: 500 }] }],
          ...(pick([true, false]) ? { extra: hostile.orders } : {}),
        }),
      );
    else calls.push(input(n, REFUND, agent, { amount_cents: 900, email: "[REDACTED:email]" }, {}, ["$.email"]));
  }
  return calls;
}

describe("replay deciding each distinct request once", () => {
  it("gives the same report as deciding every recorded call, on traffic that repeats", async () => {
    const inForce = await snapshotOf([
      policyRow("big_refunds", { Type: "block", Mode: "block", Tools: REFUND, Condition: "args.amount_cents > 500" }),
    ]);
    const candidate = await snapshotOf([
      policyRow("big_refunds", { Type: "block", Mode: "block", Tools: REFUND, Condition: "args.amount_cents > 100" }),
      policyRow("vip_refunds", { Type: "approval", Mode: "pause", Tools: REFUND, Users: ["vip@acme"] }),
      policyRow("ops_lookups", { Type: "block", Mode: "block", Tools: LOOKUP, Agents: ["ops-bot"] }),
      policyRow("night_exports", {
        Type: "block",
        Mode: "block",
        Tools: EXPORT,
        Condition: "timestamp(context.now).getHours() < 6",
      }),
      policyRow("nested_orders", { Type: "approval", Mode: "pause", Tools: REFUND, Condition: NESTED }),
      policyRow("by_email", {
        Type: "approval",
        Mode: "pause",
        Tools: REFUND,
        Condition: 'has(args.email) && args.email == "x"',
      }),
    ]);
    const traffic = repeatingTraffic(5_000);
    const report = replay(traffic, inForce, candidate);
    expect(report).toEqual(replayPlainly(traffic, inForce, candidate));
    // Every case the key must tell apart shows in the report, so a key that merged them would change it.
    const changes = report.groups.map((group) => `${group.tool} ${group.agent} → ${group.to.reason_code}`);
    for (const agent of ["support-agent", "billing-agent", "ops-bot"]) {
      expect(changes).toContain(`${REFUND} ${agent} → big_refunds`);
      expect(changes).toContain(`${REFUND} ${agent} → vip_refunds`);
      expect(changes).toContain(`${REFUND} ${agent} → nested_orders`);
      expect(changes).toContain(`${REFUND} ${agent} → condition_budget_exceeded`);
      expect(changes).toContain(`${EXPORT} ${agent} → night_exports`);
    }
    expect(changes).toContain(`${LOOKUP} ops-bot → ops_lookups`);
    expect(changes.filter((change) => change.startsWith(LOOKUP))).toHaveLength(1);
    expect(report.indeterminate).toBeGreaterThan(0);
  });

  it("gives the same report as deciding every recorded call when no request repeats", async () => {
    const inForce = await snapshotOf([
      policyRow("big_refunds", { Type: "block", Mode: "block", Tools: REFUND, Condition: "args.amount_cents > 5000" }),
    ]);
    const candidate = await snapshotOf([
      policyRow("big_refunds", { Type: "block", Mode: "block", Tools: REFUND, Condition: "args.amount_cents > 2500" }),
    ]);
    const traffic = Array.from({ length: 3_000 }, (_, n) => input(n, REFUND, "support-agent", { amount_cents: n * 3 }));
    const report = replay(traffic, inForce, candidate);
    expect(report).toEqual(replayPlainly(traffic, inForce, candidate));
    expect(report).toMatchObject({ calls: 3_000, changed: 833, indeterminate: 0 });
  });
});

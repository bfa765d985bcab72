import { Buffer } from "node:buffer";
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { budgetBook } from "../../src/budgets";
import { digestFigures } from "../../src/digest/figures";
import { GENESIS_HASH, ledgerFor, type TreeHead } from "../../src/ledger";
import { openCheckpoint, TEST_VERIFIER_KEY } from "../ledger/checkpoint-helpers";
import { workspaceMonthly } from "../budgets/helpers";
import { agentRow, bareTenant, ledgerAt, seedCalls, seedEscalations, type SeedCall } from "./seed";

const WEEK = "2026-11-16";
/** A day after the week ended. */
const NOW = new Date("2026-11-24T12:00:00.000Z");

const shadow = (...results: [string, string, string][]) =>
  JSON.stringify(
    results.map(([policy_id, policy_name, would]) => ({ policy_id, policy_name, would, reason_code: policy_id })),
  );
const capShadow = (would: string) => ["pol_refund_cap", "Refund cap", would] as [string, string, string];
const piiShadow = ["pol_pii", "PII watch", "alert"] as [string, string, string];

/**
 * Tenant A's week of 2026-11-16 (24 calls, 8 escalations) with rows just outside it on both sides, the week before
 * (3 calls, 2 escalations), and tenant B: a busy week of its own, plus an agent row whose id A's audit rows use.
 */
async function seededWeek() {
  const a = await bareTenant("a");
  const b = await bareTenant("b");
  const billing = `${a}_billing`;
  const crm = `${a}_crm`;
  const gone = `${a}_gone`;
  await agentRow(a, billing, "billing-bot");
  await agentRow(a, crm, "crm-bot");
  await agentRow(b, gone, "tenant-b-bot");

  const at = (day: number, hour = 12) =>
    `2026-11-${String(day).padStart(2, "0")}T${String(hour).padStart(2, "0")}:00:00.000Z`;
  const call = (
    tool: string,
    decision: SeedCall["decision"],
    reason_code: string,
    outcome: SeedCall["outcome"],
    agent_id: string,
    when: string,
    extra: Partial<SeedCall> = {},
  ): SeedCall => ({ tool, decision, reason_code, outcome, agent_id, at: when, ...extra });
  const week: SeedCall[] = [
    call("payments.create_refund", "authorized", "allowed", "succeeded", billing, "2026-11-16T00:00:00.000Z", {
      cost_cents: 100,
    }),
    call("payments.create_refund", "authorized", "allowed", "succeeded", billing, at(17), { cost_cents: 250 }),
    call("payments.create_refund", "denied", "refund_blocked", "denied", billing, at(17)),
    call("payments.create_refund", "denied", "refund_blocked", "denied", billing, at(18)),
    call("payments.create_refund", "escalated", "refund_over_limit", "pending_approval", crm, at(18)),
    call("crm.search", "authorized", "allowed", "succeeded", crm, at(19), { cost_cents: 5 }),
    call("crm.search", "authorized", "allowed", "succeeded", crm, at(19), { cost_cents: 5 }),
    call("crm.search", "authorized", "allowed", "succeeded", crm, at(19), { cost_cents: 5 }),
    call("crm.search", "authorized", "allowed", "failed", crm, at(19)),
    call("crm.delete_contact", "denied", "destructive_blocked", "denied", crm, at(20)),
    call("crm.delete_contact", "denied", "destructive_blocked", "denied", crm, at(20)),
    call("crm.delete_contact", "denied", "destructive_blocked", "denied", gone, at(20)),
    call("tickets.create", "invalid", "invalid_arguments", "invalid", billing, at(21)),
    call("tickets.create", "invalid", "invalid_arguments", "invalid", billing, at(21)),
    call("notion.search", "authorized", "allowed", "succeeded", billing, at(21)),
    call("hr.read", "authorized", "allowed", "succeeded", billing, "2026-11-22T23:59:59.999Z", { cost_cents: 7 }),
    ...["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8"].map((code, i) =>
      call("misc.ping", "authorized", code, "succeeded", billing, at(22, i), {
        shadow: [
          shadow(capShadow("block")),
          shadow(capShadow("block")),
          shadow(capShadow("block")),
          shadow(capShadow("pause"), piiShadow),
          shadow(piiShadow),
          "not json",
        ][i],
      }),
    ),
  ];
  const outside: SeedCall[] = [
    // The week before, its first and last instants included.
    call("payments.create_refund", "denied", "refund_blocked", "denied", billing, "2026-11-15T23:59:59.999Z", {
      cost_cents: 1000,
    }),
    call("crm.search", "authorized", "allowed", "succeeded", crm, "2026-11-09T00:00:00.000Z"),
    call("crm.search", "authorized", "allowed", "succeeded", crm, at(12)),
    // Neither week.
    call("crm.delete_contact", "denied", "destructive_blocked", "denied", crm, "2026-11-08T23:59:59.999Z"),
    call("crm.delete_contact", "denied", "destructive_blocked", "denied", crm, "2026-11-23T00:00:00.000Z", {
      cost_cents: 1000,
      shadow: shadow(piiShadow),
    }),
  ];
  await seedCalls(a, [...week, ...outside]);
  await seedEscalations(a, [
    { status: "approved", created_at: at(17, 10), decided_at: "2026-11-17T10:30:00.000Z" },
    { status: "executed", created_at: at(18, 9), decided_at: "2026-11-18T10:00:00.000Z" },
    { status: "denied", created_at: at(19, 12), decided_at: "2026-11-19T12:10:00.000Z" },
    { status: "approved", created_at: at(20, 8), decided_at: "2026-11-20T10:00:00.000Z" },
    { status: "expired", created_at: at(20, 9), expires_at: at(21, 9) },
    // Past its expiry, not yet marked by the expiry job: expired.
    { status: "pending", created_at: at(21, 9), expires_at: at(22, 9) },
    { status: "pending", created_at: at(22, 20), expires_at: "2026-11-25T20:00:00.000Z" },
    { status: "cancelled", created_at: "2026-11-16T00:00:00.000Z" },
    // Next week.
    { status: "approved", created_at: "2026-11-23T00:00:00.000Z", decided_at: "2026-11-23T09:00:00.000Z" },
    // The week before.
    { status: "expired", created_at: "2026-11-15T23:59:59.999Z" },
    { status: "approved", created_at: at(10), decided_at: at(10, 13) },
  ]);

  // Tenant B: every kind of row in the same weeks, none of which may count for A.
  const bCalls: SeedCall[] = [];
  for (let i = 0; i < 30; i++)
    bCalls.push(
      call("payments.create_refund", "denied", `b_reason_${i % 12}`, "denied", gone, at(16 + (i % 7), i % 24), {
        cost_cents: 999,
        shadow: shadow(capShadow("block"), ["pol_b", "B only", "log"]),
      }),
    );
  bCalls.push(call("b.tool", "authorized", "allowed", "succeeded", `${b}_agent`, at(12), { cost_cents: 5 }));
  await seedCalls(b, bCalls);
  await seedEscalations(b, [
    { status: "approved", created_at: at(17), decided_at: at(19) },
    { status: "expired", created_at: at(18) },
    { status: "pending", created_at: at(22), expires_at: "2026-12-30T00:00:00.000Z" },
    { status: "approved", created_at: at(10), decided_at: at(11) },
  ]);
  return { a, b, billing, crm, gone };
}

describe("digest figures", () => {
  it("count a seeded week's calls, tools, approvals, spend, shadow results and denials from this tenant's rows only", async () => {
    const { a, billing, crm, gone } = await seededWeek();
    const figures = await digestFigures(env, a, WEEK, { now: () => NOW });

    expect(figures).toMatchObject({
      tenant_id: a,
      week_start: WEEK,
      period: { from: "2026-11-16T00:00:00.000Z", to: "2026-11-23T00:00:00.000Z" },
      computed_at: NOW.toISOString(),
      complete: true,
    });
    expect(figures.calls).toEqual({
      total: 24,
      by_decision: { authorized: 16, escalated: 1, denied: 5, invalid: 2 },
      by_reason_code: [
        { reason_code: "allowed", calls: 8 },
        { reason_code: "destructive_blocked", calls: 3 },
        { reason_code: "invalid_arguments", calls: 2 },
        { reason_code: "refund_blocked", calls: 2 },
        { reason_code: "c1", calls: 1 },
        { reason_code: "c2", calls: 1 },
        { reason_code: "c3", calls: 1 },
        { reason_code: "c4", calls: 1 },
        { reason_code: "c5", calls: 1 },
        { reason_code: "c6", calls: 1 },
        // c7, c8 and refund_over_limit
        { reason_code: "other", calls: 3 },
      ],
      by_outcome: { succeeded: 15, denied: 5, pending_approval: 1, failed: 1, invalid: 2 },
    });
    expect(figures.busiest_tools).toEqual([
      { tool: "misc.ping", calls: 8, denied: 0 },
      { tool: "payments.create_refund", calls: 5, denied: 2 },
      { tool: "crm.search", calls: 4, denied: 0 },
      { tool: "crm.delete_contact", calls: 3, denied: 3 },
      { tool: "tickets.create", calls: 2, denied: 0 },
    ]);
    expect(figures.approvals).toEqual({
      held: 8,
      approved: 3,
      denied: 1,
      expired: 2,
      pending: 1,
      cancelled: 1,
      // 10, 30, 60 and 120 minutes
      median_minutes_to_decision: 45,
    });
    expect(figures.spend).toEqual({ cost_cents: 372, caps: [], caps_unavailable: null });
    expect(figures.shadow).toEqual([
      { policy_id: "pol_refund_cap", policy_name: "Refund cap", calls: 4, by_would: { block: 3, pause: 1 } },
      { policy_id: "pol_pii", policy_name: "PII watch", calls: 2, by_would: { alert: 2 } },
    ]);
    expect(figures.top_denied_agents).toEqual([
      { agent_id: billing, name: "billing-bot", denied: 2 },
      { agent_id: crm, name: "crm-bot", denied: 2 },
      // Tenant B has an agent with this id; A does not, so A's digest shows the id, never B's name.
      { agent_id: gone, name: gone, denied: 1 },
    ]);
  });

  it("compare the week with the week before", async () => {
    const { a } = await seededWeek();
    const { changes } = await digestFigures(env, a, WEEK, { now: () => NOW });
    expect(changes).toEqual({
      previous_week_start: "2026-11-09",
      previous: { calls: 3, denied: 1, held: 2, approved: 1, expired: 1 },
      difference: { calls: 21, denied: 4, held: 6, approved: 2, expired: 1 },
    });
  });

  it("never count another tenant's rows: a tenant with rows only outside the week has all zeros", async () => {
    const { b } = await seededWeek();
    const quiet = await bareTenant("quiet");
    const figures = await digestFigures(env, quiet, WEEK, { now: () => NOW });
    expect(figures.calls).toEqual({
      total: 0,
      by_decision: { authorized: 0, escalated: 0, denied: 0, invalid: 0 },
      by_reason_code: [],
      by_outcome: { succeeded: 0, denied: 0, pending_approval: 0, failed: 0, invalid: 0 },
    });
    expect(figures.busiest_tools).toEqual([]);
    expect(figures.approvals).toMatchObject({ held: 0, median_minutes_to_decision: null });
    expect(figures.shadow).toEqual([]);
    expect(figures.top_denied_agents).toEqual([]);
    expect(figures.spend.cost_cents).toBe(0);
    expect(figures.ledger).toMatchObject({ seq: 0, hash: GENESIS_HASH, at: null, before: "2026-11-23T00:00:00.000Z" });
    // And tenant B's own figures are its own.
    const other = await digestFigures(env, b, WEEK, { now: () => NOW });
    expect(other.calls.total).toBe(30);
    expect(other.approvals).toMatchObject({
      held: 3,
      approved: 1,
      expired: 1,
      pending: 1,
      median_minutes_to_decision: 2880,
    });
    expect(other.changes.previous).toMatchObject({ calls: 1, held: 1, approved: 1 });
  });

  it("take the ledger checkpoint at the week's end once it is over, and at now while it runs", async () => {
    const a = await bareTenant();
    const entries = await ledgerAt(a, [
      "2026-11-18T10:00:00.000Z",
      "2026-11-22T23:59:59.000Z",
      "2026-11-23T00:00:01.000Z",
    ]);
    const over = await digestFigures(env, a, WEEK, { now: () => NOW });
    expect(over.ledger).toMatchObject({
      seq: 2,
      hash: entries[1]!.hash,
      at: "2026-11-22T23:59:59.000Z",
      before: "2026-11-23T00:00:00.000Z",
    });
    const running = await digestFigures(env, a, WEEK, { now: () => new Date("2026-11-20T00:00:00.000Z") });
    expect(running.complete).toBe(false);
    expect(running.ledger).toMatchObject({
      seq: 1,
      hash: entries[0]!.hash,
      at: "2026-11-18T10:00:00.000Z",
      before: "2026-11-20T00:00:00.000Z",
    });
  });

  it("carry the signed checkpoint of the ledger's tree at the week's end, which the published key verifies", async () => {
    const a = await bareTenant();
    await ledgerAt(a, ["2026-11-18T10:00:00.000Z", "2026-11-22T23:59:59.000Z", "2026-11-23T00:00:01.000Z"]);
    const { ledger } = await digestFigures(env, a, WEEK, { now: () => NOW });
    const checkpoint = await openCheckpoint(ledger.signed_checkpoint!, TEST_VERIFIER_KEY);
    expect(checkpoint).toMatchObject({ signed: true, origin: `policy-os.test/policy-os/${a}`, size: 2 });
    const head = await ledgerFor(env, a).treeHead(2);
    expect(head).toMatchObject({ tree_size: 2 });
    expect(Buffer.from(checkpoint.root).toString("base64")).toBe((head as TreeHead).root_hash);

    const empty = await bareTenant();
    const none = await openCheckpoint(
      (await digestFigures(env, empty, WEEK, { now: () => NOW })).ledger.signed_checkpoint!,
      TEST_VERIFIER_KEY,
    );
    expect(none).toMatchObject({ signed: true, size: 0 });
  });

  it("carry no signed checkpoint when the deployment has no signing key", async () => {
    const a = await bareTenant();
    await ledgerAt(a, ["2026-11-18T10:00:00.000Z"]);
    const unkeyed = { ...env, LEDGER_SIGNING_KEY: undefined } as unknown as typeof env;
    const figures = await digestFigures(unkeyed, a, WEEK, { now: () => NOW });
    expect(figures.ledger).toMatchObject({ seq: 1, signed_checkpoint: null });
  });

  it("report each cap of the budget book in its current period", async () => {
    const a = await bareTenant();
    const book = budgetBook(env, a);
    const reserved = await book.reserve({
      reservation_id: "inv_cap_1",
      lines: [workspaceMonthly(1_200, 50_000)],
      now: NOW,
    });
    expect(reserved.ok).toBe(true);
    await book.settle({ reservation_id: "inv_cap_1" });
    const { spend } = await digestFigures(env, a, WEEK, { now: () => NOW });
    expect(spend).toEqual({
      cost_cents: 0,
      caps: [
        {
          policy_id: "spend_cap",
          scope: "workspace",
          subject: "workspace",
          window: "month",
          unit: "usd_cents",
          limit: 50_000,
          spent: 1_200,
          reserved: 0,
          period: "2026-11",
          resets_at: "2026-12-01T00:00:00.000Z",
        },
      ],
      caps_unavailable: null,
    });
  });

  it("say the caps are unavailable when the budget book cannot be read, and still give every other figure", async () => {
    const { a } = await seededWeek();
    const broken = {
      ...env,
      BUDGETS: {
        idFromName: (name: string) => env.BUDGETS.idFromName(name),
        get: () => ({
          spent: () => Promise.reject(new Error("budget book unreachable")),
        }),
      } as unknown as typeof env.BUDGETS,
    };
    const figures = await digestFigures(broken, a, WEEK, { now: () => NOW });
    expect(figures.spend).toEqual({ cost_cents: 372, caps: [], caps_unavailable: "budget book unreachable" });
    expect(figures.calls.total).toBe(24);
  });
});

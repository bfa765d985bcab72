import { describe, expect, it } from "vitest";
import { decide, escalationRow, ledgerEntries, refundsMade } from "../approvals/helpers";
import { dailyRefundCapColumns, standardRows } from "../fixtures/policies";
import { auditRows, call, connect, newTenant, startRun } from "../support/worker";

const policy = (id: string, fields: Record<string, unknown>) => ({
  Name: `Policy ${id}`,
  "Policy ID": id,
  Status: "Active",
  ...fields,
});

/** $1,000 of refunds per agent per day, counted by the refund's amount. */
const dailyRefundCap = policy("daily_refund_cap", dailyRefundCapColumns);

const refund = (amount_cents: number, reason = "damaged") => ({ customer_id: "cus_002", amount_cents, reason });

async function desk(rows: unknown[]) {
  const tenant = await newTenant({ rows });
  return { ...tenant, client: await connect(tenant.key) };
}

/** The decision entry the ledger holds for an invocation. */
async function decisionEntry(tenant: string, invocation_id: string) {
  return (await ledgerEntries(tenant)).find((e) => e.kind === "decision" && e.invocation_id === invocation_id);
}

describe("cost policies", () => {
  it("let refunds run until the agent's daily cap, then deny with budget_exhausted naming the cap and its reset", async () => {
    const { client } = await desk([dailyRefundCap]);
    expect((await call(client, "payments.create_refund", refund(40_000))).outcome.outcome).toBe("succeeded");
    expect((await call(client, "payments.create_refund", refund(40_000))).outcome.outcome).toBe("succeeded");

    const third = await call(client, "payments.create_refund", refund(40_000));
    expect(third.outcome.outcome).toBe("denied");
    expect(third.outcome.denial).toMatchObject({
      code: "budget_exhausted",
      retryable: true,
      details: { policy: "daily_refund_cap", scope: "agent", window: "day", unit: "usd_cents", limit: 100_000 },
    });
    expect(third.outcome.denial!.details!.spent).toBe(80_000);
    expect(third.outcome.denial!.details!.resets_at).toMatch(/T00:00:00\.000Z$/);
    expect(third.text).toMatch(/daily cap of \$1,000\.00/);
    // The denied refund never reached the host.
    expect((await refundsMade(client)).map((r) => r.amount_cents)).toEqual([40_000, 40_000]);
  });

  it("never overspend a cap when twenty refunds arrive at once", async () => {
    const { client } = await desk([{ ...dailyRefundCap, Cap: 50_000 }]);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(client, "payments.create_refund", refund(10_000, `r${i}`))),
    );
    const ran = outcomes.filter((o) => o.outcome.outcome === "succeeded");
    expect(ran).toHaveLength(5);
    expect(outcomes.filter((o) => o.outcome.denial?.code === "budget_exhausted")).toHaveLength(15);
    expect((await refundsMade(client)).reduce((sum, r) => sum + r.amount_cents, 0)).toBe(50_000);
  });

  it("count calls per run, and a run's cap never resets, so its denial is not retryable", async () => {
    const perRun = policy("three_calls_per_run", {
      Type: "cost",
      Mode: "block",
      Tools: "crm.*",
      Cap: 2,
      Unit: "calls",
      Window: "run",
      Per: "run",
    });
    const { client } = await desk([perRun]);
    const lookup = (run_id: string) => call(client, "crm.get_contact", { contact_id: "con_001" }, { run_id });
    const [runA, runB] = [await startRun(client), await startRun(client)];
    expect((await lookup(runA)).outcome.outcome).toBe("succeeded");
    expect((await lookup(runA)).outcome.outcome).toBe("succeeded");
    const third = await lookup(runA);
    expect(third.outcome.denial).toMatchObject({ code: "budget_exhausted", retryable: false });
    expect(third.outcome.denial!.details).toMatchObject({ scope: "run", subject: runA, resets_at: null });
    expect((await lookup(runB)).outcome.outcome).toBe("succeeded");
  });

  it("hold a call past a pause-mode cap for approval, and run it once approved", async () => {
    const { client, tenant } = await desk([{ ...dailyRefundCap, Mode: "pause", Cap: 30_000, Approvers: ["finance"] }]);
    const held = await call(client, "payments.create_refund", refund(40_000));
    expect(held.outcome.outcome).toBe("pending_approval");
    expect(held.outcome.denial).toMatchObject({
      code: "approval_required",
      details: { reason_code: "budget_increase_required", approvers: ["finance"] },
    });
    expect(held.outcome.denial!.message).toMatch(/daily cap of \$300\.00/);

    await decide(held.outcome.escalation_id!, "approved", "finance");
    const retry = await call(client, "payments.create_refund", refund(40_000));
    expect(retry.outcome.outcome).toBe("succeeded");
    expect(retry.outcome.escalation_id).toBe(held.outcome.escalation_id);
    const entry = await decisionEntry(tenant, retry.outcome.invocation_id);
    expect(entry.body.budget).toEqual([
      expect.objectContaining({ policy_id: "daily_refund_cap", amount: 40_000, limit: 30_000 }),
    ]);
  });

  it("in Shadow, never stop a call but record, once its counter passes the cap, that it would have", async () => {
    const { client, tenant } = await desk([{ ...dailyRefundCap, Status: "Shadow", Cap: 50_000 }]);
    const first = await call(client, "payments.create_refund", refund(40_000));
    const second = await call(client, "payments.create_refund", refund(40_000));
    expect([first.outcome.outcome, second.outcome.outcome]).toEqual(["succeeded", "succeeded"]);

    const wouldHave = { policy_id: "daily_refund_cap", would: "block", reason_code: "budget_exhausted" };
    expect((await decisionEntry(tenant, first.outcome.invocation_id)).body.shadow).toEqual([]);
    expect((await decisionEntry(tenant, second.outcome.invocation_id)).body.shadow).toEqual([
      expect.objectContaining(wouldHave),
    ]);
    const rows = await auditRows(tenant, 2);
    const audited = rows.find((row) => row.invocation_id === second.outcome.invocation_id);
    expect(audited.shadow).toEqual([expect.objectContaining(wouldHave)]);
  });

  it("fail closed when the cost expression cannot be computed, and run nothing", async () => {
    const { client } = await desk([{ ...dailyRefundCap, Cost: "args.amount_cents / 0.0 * 0.0 + args.missing" }]);
    const outcome = await call(client, "payments.create_refund", refund(1_000));
    expect(outcome.outcome.denial?.code).toBe("cost_unknown");
    expect(await refundsMade(client)).toEqual([]);
  });
});

describe("privacy policies", () => {
  const noCardsInCrm = policy("no_cards_in_crm", {
    Type: "privacy",
    Mode: "redact",
    Tools: "crm.*",
    Detectors: ["payment_card", "us_ssn"],
  });

  it("hand the host the arguments with card numbers replaced, and record where and which detector fired", async () => {
    const { client, tenant } = await desk([noCardsInCrm]);
    const notes = "Paid with 4111 1111 1111 1111, email pat@example.com";
    const updated = await call(client, "crm.update_contact", { contact_id: "con_002", fields: { notes } });
    expect(updated.outcome.outcome).toBe("succeeded");
    const contact = await call(client, "crm.get_contact", { contact_id: "con_002" });
    // The policy names cards and SSNs only: the host still gets the email.
    expect((contact.outcome.data as any).contact.notes).toBe(
      "Paid with [REDACTED:payment_card], email pat@example.com",
    );
    const entry = await decisionEntry(tenant, updated.outcome.invocation_id);
    // The record lists every detector that fired on the arguments, and never the values.
    expect(entry.body.redactions).toEqual([
      { path: "$.fields.notes", detector: "payment_card", count: 1 },
      { path: "$.fields.notes", detector: "email", count: 1 },
    ]);
    expect(JSON.stringify(await ledgerEntries(tenant))).not.toMatch(/4111|pat@example/);
  });

  it("keep raw PII off a held call's approval page, whatever the privacy policies say", async () => {
    const { client } = await desk(standardRows);
    const held = await call(
      client,
      "payments.create_refund",
      refund(75_000, "ask pat@example.com, card 4111111111111111"),
    );
    expect(held.outcome.outcome).toBe("pending_approval");
    let stored: string | null = null;
    for (let i = 0; i < 50 && !stored; i++) {
      stored = (await escalationRow(held.outcome.escalation_id!))?.arguments ?? null;
      if (!stored) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(JSON.parse(stored!).reason).toBe("ask [REDACTED:email], card [REDACTED:payment_card]");
  });

  it("deny a call whose arguments hold PII a block-mode policy guards, naming the path and detector", async () => {
    const noSsnInRefunds = policy("no_ssn_in_refunds", { Type: "privacy", Mode: "block", Tools: "payments.*" });
    const { client } = await desk([noSsnInRefunds]);
    const outcome = await call(client, "payments.create_refund", refund(1_000, "customer SSN 123-45-6789"));
    expect(outcome.outcome.denial).toMatchObject({
      code: "pii_detected",
      retryable: false,
      details: { policy: "no_ssn_in_refunds", found: ["$.reason (us_ssn)"] },
    });
    expect(await refundsMade(client)).toEqual([]);
    // Arguments without PII run.
    expect((await call(client, "payments.create_refund", refund(1_000))).outcome.outcome).toBe("succeeded");
  });

  it("use a policy's custom pattern, both to find and to redact", async () => {
    const orderRefs = policy("order_refs", {
      Type: "privacy",
      Mode: "redact",
      Tools: "crm.*",
      Pattern: "ORD-[0-9]{6}",
    });
    const { client } = await desk([orderRefs]);
    await call(client, "crm.update_contact", { contact_id: "con_002", fields: { notes: "see ORD-123456" } });
    const contact = await call(client, "crm.get_contact", { contact_id: "con_002" });
    expect((contact.outcome.data as any).contact.notes).toBe("see [REDACTED:custom:order_refs]");
  });
});

describe("content policies", () => {
  const noWireTransfers = policy("no_wire_transfers", {
    Type: "content",
    Mode: "block",
    Tools: "crm.update_contact",
    "Deny terms": "wire transfer, /acct-[0-9]{4,8}/",
    "Allow terms": "wire transfer fraud",
    "Reason code": "wire_transfer_talk",
  });

  it("deny text holding a deny term, case-insensitively, and let an allowed phrase through", async () => {
    const { client } = await desk([noWireTransfers]);
    const edit = (notes: string) => call(client, "crm.update_contact", { contact_id: "con_002", fields: { notes } });
    const denied = await edit("Asked for a Wire Transfer today");
    expect(denied.outcome.denial).toMatchObject({
      code: "wire_transfer_talk",
      details: { found: ["$.fields.notes (wire transfer)"] },
    });
    expect((await edit("moved funds to acct-55512")).outcome.denial?.code).toBe("wire_transfer_talk");
    expect((await edit("Reported wire transfer fraud to the bank")).outcome.outcome).toBe("succeeded");
  });

  it("redact deny terms for the host in redact mode", async () => {
    const { client } = await desk([{ ...noWireTransfers, Mode: "redact" }]);
    await call(client, "crm.update_contact", {
      contact_id: "con_002",
      fields: { notes: "a wire transfer to acct-1234" },
    });
    const contact = await call(client, "crm.get_contact", { contact_id: "con_002" });
    expect((contact.outcome.data as any).contact.notes).toBe("a [REDACTED:content] to [REDACTED:content]");
  });

  it("hold text for approval in pause mode, under the same approval flow as any held call", async () => {
    const { client } = await desk([...standardRows, { ...noWireTransfers, Mode: "pause", Approvers: ["ops"] }]);
    const held = await call(client, "crm.update_contact", {
      contact_id: "con_002",
      fields: { notes: "wire transfer" },
    });
    expect(held.outcome.outcome).toBe("pending_approval");
    expect(held.outcome.denial?.details).toMatchObject({ policy: "no_wire_transfers", approvers: ["ops"] });
  });

  it("withhold a result that holds a blocked term when the policy checks results", async () => {
    const { client } = await desk([
      policy("no_acme_results", {
        Type: "content",
        Mode: "block",
        Tools: "crm.get_contact",
        "Deny terms": "acme",
        "Check results": true,
      }),
    ]);
    const read = await call(client, "crm.get_contact", { contact_id: "con_001" });
    expect(read.outcome.outcome).toBe("failed");
    expect(read.outcome.data).toBeNull();
    expect(read.outcome.error?.message).toMatch(/result is withheld/);
  });
});

import { describe, expect, it } from "vitest";
import { admin, call, connect } from "../support/worker";
import { bigRefund, decide, escalationCount, escalationRow, ledgerEntries, refundDesk, refundsMade } from "./helpers";

describe("an approved call", () => {
  it("runs once when the agent calls again, carrying the escalation id and the evidence", async () => {
    const { client, tenant } = await refundDesk();
    const held = await call(client, "payments.create_refund", bigRefund);
    const escalation_id = held.outcome.escalation_id!;
    await decide(escalation_id, "approved", "manager");

    const retry = await call(client, "payments.create_refund", bigRefund);
    expect(retry.isError).toBe(false);
    expect(retry.outcome).toMatchObject({
      outcome: "succeeded",
      status: "authorized",
      success: true,
      escalation_id,
      decision: { decision: "authorized", reason_code: "approval_granted", policy_ids: ["refund_over_limit"] },
    });
    expect(retry.text).toMatch(/ran once with the approval of manager/);
    // The decision before the host ran, the escalation's execution, and the outcome.
    expect(retry.outcome.evidence_ids).toHaveLength(3);

    const entries = await ledgerEntries(tenant);
    const byId = (id: string) => entries.find((e) => e.id === id);
    const [decisionId, executedId, outcomeId] = retry.outcome.evidence_ids;
    expect(byId(decisionId!).body).toMatchObject({
      decision: "authorized",
      reason_code: "approval_granted",
      escalation_id,
      approved_by: "manager",
    });
    expect(byId(executedId!)).toMatchObject({ kind: "escalation", body: { escalation_id, event: "executed" } });
    expect(byId(outcomeId!).body).toMatchObject({ outcome: "succeeded", escalation_id });

    const row = await escalationRow(escalation_id);
    expect(row).toMatchObject({ status: "executed", executed_invocation_id: retry.outcome.invocation_id });
    expect(row!.executed_at).toBeTruthy();
    const refunds = await refundsMade(client);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ amount_cents: 75_000, invocation_id: retry.outcome.invocation_id });
  });

  it("refuses a further retry once the approval was used, and opens no new escalation silently", async () => {
    const { client, tenant } = await refundDesk();
    const held = await call(client, "payments.create_refund", bigRefund);
    await decide(held.outcome.escalation_id!, "approved");
    expect((await call(client, "payments.create_refund", bigRefund)).outcome.outcome).toBe("succeeded");

    const third = await call(client, "payments.create_refund", bigRefund);
    expect(third.isError).toBe(true);
    expect(third.outcome).toMatchObject({
      outcome: "denied",
      status: "denied",
      escalation_id: held.outcome.escalation_id,
      denial: { code: "approval_already_used", retryable: false },
      decision: { decision: "denied", reason_code: "approval_already_used" },
    });
    expect(third.text).toMatch(/did not run: .*already used.*request_new_approval/);
    expect(await escalationCount(tenant)).toBe(1);
    expect(await refundsMade(client)).toHaveLength(1);
  });

  it("asks people again when the agent explicitly requests a new approval after the last one was used", async () => {
    const { client, tenant } = await refundDesk();
    const held = await call(client, "payments.create_refund", bigRefund);
    await decide(held.outcome.escalation_id!, "approved");
    await call(client, "payments.create_refund", bigRefund);

    const again = await call(client, "payments.create_refund", bigRefund, { request_new_approval: true });
    expect(again.outcome).toMatchObject({ outcome: "pending_approval", denial: { code: "approval_required" } });
    expect(again.outcome.escalation_id).not.toBe(held.outcome.escalation_id);
    expect(await escalationCount(tenant)).toBe(2);
    expect(await refundsMade(client)).toHaveLength(1);
  });

  it("runs once when two retries arrive at the same moment; the others are refused", async () => {
    const { client } = await refundDesk();
    const held = await call(client, "payments.create_refund", bigRefund);
    await decide(held.outcome.escalation_id!, "approved");

    const retries = await Promise.all(
      Array.from({ length: 5 }, () => call(client, "payments.create_refund", bigRefund)),
    );
    const outcomes = retries.map((r) => r.outcome.outcome).sort();
    expect(outcomes).toEqual(["denied", "denied", "denied", "denied", "succeeded"]);
    expect(retries.filter((r) => r.outcome.denial?.code === "approval_already_used")).toHaveLength(4);
    expect(await refundsMade(client)).toHaveLength(1);
  });

  it("runs when the retry names its escalation in _meta", async () => {
    const { client } = await refundDesk();
    const held = await call(client, "payments.create_refund", bigRefund);
    await decide(held.outcome.escalation_id!, "approved");
    const retry = await call(client, "payments.create_refund", bigRefund, {
      escalation_id: held.outcome.escalation_id,
    });
    expect(retry.outcome).toMatchObject({ outcome: "succeeded", escalation_id: held.outcome.escalation_id });
  });

  it("needs a new approval when an argument changes", async () => {
    const { client } = await refundDesk();
    const held = await call(client, "payments.create_refund", bigRefund);
    await decide(held.outcome.escalation_id!, "approved");

    const changed = await call(client, "payments.create_refund", { ...bigRefund, amount_cents: 80_000 });
    expect(changed.outcome).toMatchObject({ outcome: "pending_approval", denial: { code: "approval_required" } });
    expect(changed.outcome.escalation_id).not.toBe(held.outcome.escalation_id);
    expect((await escalationRow(changed.outcome.escalation_id!))!.status).toBe("pending");

    // Naming the approved escalation does not stretch it over the changed arguments.
    const forged = await call(
      client,
      "payments.create_refund",
      { ...bigRefund, amount_cents: 80_000 },
      { escalation_id: held.outcome.escalation_id },
    );
    expect(forged.outcome).toMatchObject({
      outcome: "denied",
      denial: { code: "escalation_not_for_this_call", retryable: false },
    });
    expect(await refundsMade(client)).toHaveLength(0);
    // The approval still covers the call it was given for.
    expect((await call(client, "payments.create_refund", bigRefund)).outcome.outcome).toBe("succeeded");
  });
});

describe("an approval whose run fails at the host", () => {
  it("is used all the same, since the host may have acted before failing; the retry is refused", async () => {
    const { client } = await refundDesk();
    // More than Globex's refundable balance: the payments host refuses it once it runs.
    const tooMuch = { ...bigRefund, amount_cents: 150_000 };
    const held = await call(client, "payments.create_refund", tooMuch);
    await decide(held.outcome.escalation_id!, "approved");

    const ran = await call(client, "payments.create_refund", tooMuch);
    expect(ran.outcome).toMatchObject({ outcome: "failed", escalation_id: held.outcome.escalation_id });
    expect((await escalationRow(held.outcome.escalation_id!))!.status).toBe("executed");
    const retry = await call(client, "payments.create_refund", tooMuch);
    expect(retry.outcome.denial?.code).toBe("approval_already_used");
  });
});

describe("a denied call", () => {
  it("answers approval_denied, not retryable, naming who denied, and never runs", async () => {
    const { client, tenant } = await refundDesk();
    const held = await call(client, "payments.create_refund", bigRefund);
    await decide(held.outcome.escalation_id!, "denied", "ops-lead");

    for (let attempt = 0; attempt < 2; attempt++) {
      const retry = await call(client, "payments.create_refund", bigRefund);
      expect(retry.isError).toBe(true);
      expect(retry.outcome).toMatchObject({
        outcome: "denied",
        status: "denied",
        escalation_id: held.outcome.escalation_id,
        denial: { code: "approval_denied", retryable: false, details: { decided_by: "ops-lead" } },
      });
      expect(retry.text).toMatch(/denied by ops-lead/);
    }
    expect(await escalationCount(tenant)).toBe(1);
    expect(await refundsMade(client)).toHaveLength(0);
  });
});

describe("escalation ids across agents and tenants", () => {
  it("refuses an escalation id of another tenant in _meta and runs nothing", async () => {
    const a = await refundDesk();
    const b = await refundDesk();
    const held = await call(a.client, "payments.create_refund", bigRefund);
    await decide(held.outcome.escalation_id!, "approved");

    const borrowed = await call(b.client, "payments.create_refund", bigRefund, {
      escalation_id: held.outcome.escalation_id,
    });
    expect(borrowed.outcome).toMatchObject({
      outcome: "denied",
      escalation_id: null,
      denial: { code: "escalation_not_for_this_call", retryable: false },
    });
    expect(JSON.stringify(borrowed.outcome)).not.toContain("manager");
    expect(await refundsMade(b.client)).toHaveLength(0);
    expect((await escalationRow(held.outcome.escalation_id!))!.status).toBe("approved");
  });

  it("refuses another agent's approval, even in the same tenant, and runs nothing", async () => {
    const { client, tenant } = await refundDesk();
    const held = await call(client, "payments.create_refund", bigRefund);
    await decide(held.outcome.escalation_id!, "approved");
    const other = await admin("POST", `/agents?tenant=${tenant}`, { name: "billing-bot", owner: "someone" });
    const otherClient = await connect(other.body.api_key);

    const named = await call(otherClient, "payments.create_refund", bigRefund, {
      escalation_id: held.outcome.escalation_id,
    });
    expect(named.outcome.denial?.code).toBe("escalation_not_for_this_call");
    // Without the id, the other agent's identical call waits on its own escalation.
    const own = await call(otherClient, "payments.create_refund", bigRefund);
    expect(own.outcome.outcome).toBe("pending_approval");
    expect(own.outcome.escalation_id).not.toBe(held.outcome.escalation_id);
    expect(await refundsMade(client)).toHaveLength(0);
  });

  it("keeps one tenant's pending escalations invisible to another", async () => {
    const a = await refundDesk();
    const b = await refundDesk();
    const heldA = await call(a.client, "payments.create_refund", bigRefund);
    const heldB = await call(b.client, "payments.create_refund", bigRefund);
    expect(heldB.outcome.escalation_id).not.toBe(heldA.outcome.escalation_id);
    const listedB = (await admin("GET", `/escalations?tenant=${b.tenant}`)).body.escalations;
    expect(listedB.map((e: any) => e.id)).toEqual([heldB.outcome.escalation_id]);
  });
});

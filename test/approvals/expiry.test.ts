import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call } from "../support/worker";
import { bigRefund, decide, escalationCount, escalationRow, ledgerEntries, refundDesk, refundsMade } from "./helpers";

const objectOf = (escalation_id: string) => env.ESCALATIONS.get(env.ESCALATIONS.idFromName(escalation_id));

/** The escalation's Durable Object once its expiry alarm is set (it is set just after the held call's response). */
async function armedObject(escalation_id: string) {
  const stub = objectOf(escalation_id);
  for (let attempt = 0; attempt < 100; attempt++) {
    const alarm = await runInDurableObject(stub, (_, state) => state.storage.getAlarm());
    if (alarm !== null) return { stub, alarm };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no expiry alarm for ${escalation_id}`);
}

/** Moves an escalation's expiry into the past, as if the day it had waited were over. */
async function letTimePass(escalation_id: string) {
  await env.DB.prepare(`UPDATE escalations SET expires_at = ? WHERE id = ?`)
    .bind(new Date(Date.now() - 1000).toISOString(), escalation_id)
    .run();
}

const expiries = async (tenant: string, escalation_id: string) =>
  (await ledgerEntries(tenant)).filter(
    (e) => e.kind === "escalation" && e.body.event === "expired" && e.body.escalation_id === escalation_id,
  );

describe("expiry", () => {
  it("sets an alarm for the reminder an hour after a call is held, and for the expiry a day after", async () => {
    const { client } = await refundDesk();
    const held = await call(client, "payments.create_refund", bigRefund);
    const escalation_id = held.outcome.escalation_id!;
    const { alarm } = await armedObject(escalation_id);
    const row = (await escalationRow(escalation_id))!;
    const expires = Date.parse(held.outcome.denial!.details!.expires_at as string);
    expect(Date.parse(row.created_at as string) + 86_400_000).toBe(expires);
    expect(alarm).toBe(Date.parse(row.created_at as string) + 3_600_000);
    expect(alarm).toBe(Date.parse(row.remind_at as string));
  });

  it("sets the alarm for the expiry alone when the tenant sends no reminders, and waits as long as the tenant says", async () => {
    const { client } = await refundDesk({ approval_ttl_seconds: 600, approval_reminder_seconds: null });
    const held = await call(client, "payments.create_refund", bigRefund);
    const { alarm } = await armedObject(held.outcome.escalation_id!);
    const row = (await escalationRow(held.outcome.escalation_id!))!;
    expect(row.remind_at).toBeNull();
    expect(alarm).toBe(Date.parse(row.created_at as string) + 600_000);
    expect(alarm).toBe(Date.parse(held.outcome.denial!.details!.expires_at as string));
  });

  it("expires a pending escalation by its alarm; the retry answers approval_expired and opens a new request", async () => {
    const { client, tenant } = await refundDesk();
    const held = await call(client, "payments.create_refund", bigRefund);
    const escalation_id = held.outcome.escalation_id!;
    const { stub } = await armedObject(escalation_id);
    await letTimePass(escalation_id);

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await escalationRow(escalation_id))!.status).toBe("expired");
    expect(await expiries(tenant, escalation_id)).toHaveLength(1);

    const retry = await call(client, "payments.create_refund", bigRefund);
    expect(retry.outcome).toMatchObject({
      outcome: "pending_approval",
      status: "action_required",
      denial: { code: "approval_expired", retryable: true, details: { expired_escalation_id: escalation_id } },
    });
    expect(retry.text).toMatch(new RegExp(`${escalation_id} expired at .* a new approval request is open`));
    const renewed = retry.outcome.escalation_id!;
    expect(renewed).not.toBe(escalation_id);
    expect((await escalationRow(renewed))!.status).toBe("pending");

    const later = await call(client, "payments.create_refund", bigRefund);
    expect(later.outcome).toMatchObject({ escalation_id: renewed, denial: { code: "approval_required" } });
    expect(await escalationCount(tenant)).toBe(2);
    expect(await refundsMade(client)).toHaveLength(0);
  });

  it("sees an escalation past its expiry as expired even before the alarm has run, and records it once", async () => {
    const { client, tenant } = await refundDesk();
    const held = await call(client, "payments.create_refund", bigRefund);
    const escalation_id = held.outcome.escalation_id!;
    const { stub } = await armedObject(escalation_id);
    await letTimePass(escalation_id);

    const retry = await call(client, "payments.create_refund", bigRefund);
    expect(retry.outcome.denial?.code).toBe("approval_expired");
    expect((await escalationRow(escalation_id))!.status).toBe("expired");
    await runDurableObjectAlarm(stub);
    expect(await expiries(tenant, escalation_id)).toHaveLength(1);
  });

  it("leaves a decided escalation alone when its alarm runs", async () => {
    const { client, tenant } = await refundDesk();
    const held = await call(client, "payments.create_refund", bigRefund);
    const escalation_id = held.outcome.escalation_id!;
    const { stub } = await armedObject(escalation_id);
    await decide(escalation_id, "approved");
    await letTimePass(escalation_id);

    await runDurableObjectAlarm(stub);
    expect((await escalationRow(escalation_id))!.status).toBe("approved");
    expect(await expiries(tenant, escalation_id)).toHaveLength(0);
    expect((await call(client, "payments.create_refund", bigRefund)).outcome.outcome).toBe("succeeded");
  });
});

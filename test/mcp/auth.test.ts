import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { standardRows } from "../fixtures/policies";
import { admin, auditRows, BASE, call, connect, newTenant, rawMcp } from "../support/worker";

const listTools = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} });

async function refusal(headers: Record<string, string>) {
  const res = await rawMcp(listTools, headers);
  return { status: res.status, challenge: res.headers.get("www-authenticate"), body: (await res.json()) as any };
}

describe("agent authentication", () => {
  it("refuses a call without a key with 401, a Bearer challenge and a clear body", async () => {
    const r = await refusal({});
    expect(r.status).toBe(401);
    expect(r.challenge).toBe('Bearer realm="policy-os"');
    expect(r.body.error.data.reason).toBe("missing_key");
    expect(r.body.error.message).toMatch(/Authorization: Bearer/);
  });

  it("refuses an unknown key", async () => {
    const r = await refusal({ authorization: "Bearer pos_not_a_real_key" });
    expect(r.status).toBe(401);
    expect(r.challenge).toContain('error="invalid_token"');
    expect(r.body.error.data.reason).toBe("unknown_key");
  });

  it("refuses a revoked key at once", async () => {
    const { key, tenant } = await newTenant({ rows: standardRows });
    await connect(key);
    expect((await admin("POST", `/keys/revoke?tenant=${tenant}`, { key })).body).toEqual({ revoked: 1 });
    const r = await refusal({ authorization: `Bearer ${key}` });
    expect(r.status).toBe(401);
    expect(r.body.error.data.reason).toBe("revoked_key");
  });

  it("refuses a suspended agent and accepts it again once re-activated", async () => {
    const { key, tenant, agent_id } = await newTenant({ rows: standardRows });
    await admin("PATCH", `/agents/${agent_id}?tenant=${tenant}`, { status: "suspended" });
    expect((await refusal({ authorization: `Bearer ${key}` })).body.error.data.reason).toBe("agent_suspended");
    await admin("PATCH", `/agents/${agent_id}?tenant=${tenant}`, { status: "active" });
    expect(
      (await call(await connect(key), "payments.lookup_customer", { customer_id: "cus_002" })).outcome.success,
    ).toBe(true);
  });
});

describe("admin authentication", () => {
  it("refuses the admin API without the admin token", async () => {
    const res = await SELF.fetch(`${BASE}/admin/tenants`, { headers: { authorization: "Bearer wrong" } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe("unauthorized");
  });

  it("refuses the documented local admin default when a token is configured", async () => {
    const res = await SELF.fetch(`${BASE}/admin/tenants`, { headers: { authorization: "Bearer local-admin-token" } });
    expect(res.status).toBe(401);
  });
});

describe("tenant isolation", () => {
  it("never shows one tenant's escalations, audit rows or ledger to another: each lists exactly its own", async () => {
    const a = await newTenant({ rows: standardRows });
    const b = await newTenant({ rows: standardRows });
    const refund = { customer_id: "cus_002", amount_cents: 90_000, reason: "x" };
    const held = await call(await connect(a.key), "payments.create_refund", refund);
    expect(held.outcome.outcome).toBe("pending_approval");
    // B holds a call of its own, so B's listings have data that must appear: an empty or failed listing cannot pass.
    const bHeld = await call(await connect(b.key), "payments.create_refund", refund);
    expect(bHeld.outcome.outcome).toBe("pending_approval");

    const escalations = await admin("GET", `/escalations?tenant=${b.tenant}`);
    expect(escalations.status).toBe(200);
    expect(escalations.body.escalations.map((e: { id: string }) => e.id)).toEqual([bHeld.outcome.escalation_id]);
    const ledger = await admin("GET", `/ledger?tenant=${b.tenant}`);
    expect(ledger.status).toBe(200);
    const invocations = new Set(ledger.body.entries.map((e: { invocation_id: string | null }) => e.invocation_id));
    expect(invocations.has(bHeld.outcome.invocation_id)).toBe(true);
    expect(invocations.has(held.outcome.invocation_id)).toBe(false);
    expect((await auditRows(a.tenant, 1)).map((row) => row.invocation_id)).toEqual([held.outcome.invocation_id]);
    expect((await auditRows(b.tenant, 1)).map((row) => row.invocation_id)).toEqual([bHeld.outcome.invocation_id]);
  });

  it("keeps each tenant's demo host data apart: B's listing succeeds with B's refund and without A's", async () => {
    const a = await newTenant({ rows: [] });
    const b = await newTenant({ rows: [] });
    const refund = { customer_id: "cus_002", amount_cents: 1_000, reason: "goodwill" };
    expect((await call(await connect(a.key), "payments.create_refund", refund)).outcome.success).toBe(true);
    const bClient = await connect(b.key);
    const bRefund = { ...refund, amount_cents: 2_000, reason: "b's own refund" };
    expect((await call(bClient, "payments.create_refund", bRefund)).outcome.success).toBe(true);
    const listed = await call(bClient, "payments.list_refunds", { customer_id: "cus_002" });
    expect(listed.outcome.outcome).toBe("succeeded");
    const refunds = (listed.outcome.data as { refunds: { amount_cents: number }[] }).refunds;
    expect(refunds.map((made) => made.amount_cents)).toEqual([2_000]);
    expect(JSON.stringify(listed.outcome.data)).not.toContain("goodwill");
  });
});

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
  it("never shows one tenant's escalations, audit rows or ledger to another", async () => {
    const a = await newTenant({ rows: standardRows });
    const b = await newTenant({ rows: standardRows });
    const held = await call(await connect(a.key), "payments.create_refund", {
      customer_id: "cus_002",
      amount_cents: 90_000,
      reason: "x",
    });
    expect(held.outcome.outcome).toBe("pending_approval");
    expect((await admin("GET", `/escalations?tenant=${b.tenant}`)).body.escalations).toEqual([]);
    expect((await admin("GET", `/ledger?tenant=${b.tenant}`)).body.entries).toEqual([]);
    expect(await auditRows(a.tenant, 1)).toHaveLength(1);
    expect(await auditRows(b.tenant, 0)).toEqual([]);
  });

  it("keeps each tenant's demo host data apart", async () => {
    const a = await newTenant({ rows: [] });
    const b = await newTenant({ rows: [] });
    const refund = { customer_id: "cus_002", amount_cents: 1_000, reason: "goodwill" };
    expect((await call(await connect(a.key), "payments.create_refund", refund)).outcome.success).toBe(true);
    const listed = await call(await connect(b.key), "payments.list_refunds", { customer_id: "cus_002" });
    expect(JSON.stringify(listed.outcome.data)).not.toContain("goodwill");
  });
});

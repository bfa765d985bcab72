import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { standardRows } from "../fixtures/policies";
import { admin, auditRows, call, connect, newTenant } from "../support/worker";

describe("ledger and audit integrity", () => {
  it("keeps the chain intact under 200 concurrent calls, with entries matching the audit rows", async () => {
    const { key, tenant } = await newTenant({ rows: standardRows });
    const client = await connect(key);
    const calls = Array.from({ length: 200 }, (_, i) => {
      if (i % 4 === 0) return call(client, "crm.delete_contact", { contact_id: "con_001" });
      if (i % 4 === 1)
        return call(client, "payments.create_refund", {
          customer_id: "cus_002",
          amount_cents: 60_000 + i,
          reason: "bulk",
        });
      if (i % 4 === 2) return call(client, "payments.lookup_customer", { customer_id: "cus_002" });
      return call(client, "payments.print_money", {});
    });
    const outcomes = (await Promise.all(calls)).map((r) => r.outcome);
    const count = (kind: string) => outcomes.filter((o) => o.outcome === kind).length;
    expect([count("denied"), count("pending_approval"), count("succeeded"), count("invalid")]).toEqual([
      50, 50, 50, 50,
    ]);

    const verification = (await admin("GET", `/ledger/verify?tenant=${tenant}`)).body;
    // The policies' release; every call: a decision and an outcome entry; every new escalation: one more.
    expect(verification).toEqual({ ok: true, entries: 1 + 200 * 2 + 50, first_bad_seq: null });
    const audit = await auditRows(tenant, 200);
    expect(audit).toHaveLength(200);
    const evidence = new Set(audit.flatMap((row: any) => row.evidence_ids));
    expect(evidence.size).toBe(450);
  });

  it("catches an altered entry and names its sequence number", async () => {
    const { key, tenant } = await newTenant({ rows: standardRows });
    const client = await connect(key);
    for (let i = 0; i < 3; i++) await call(client, "payments.lookup_customer", { customer_id: "cus_002" });
    expect((await admin("GET", `/ledger/verify?tenant=${tenant}`)).body).toEqual({
      ok: true,
      entries: 7,
      first_bad_seq: null,
    });

    const stub = env.LEDGER.get(env.LEDGER.idFromName(tenant));
    await runInDurableObject(stub, (_, state) => {
      state.storage.sql.exec(
        "UPDATE ledger_entries SET body = replace(body, '\"authorized\"', '\"denied\"') WHERE seq = 4",
      );
    });
    expect((await admin("GET", `/ledger/verify?tenant=${tenant}`)).body).toEqual({
      ok: false,
      entries: 7,
      first_bad_seq: 4,
    });
  });
});

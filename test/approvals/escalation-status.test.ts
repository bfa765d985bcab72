import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin, auditRows, call, connect, newTenant } from "../support/worker";
import { standardRows } from "../fixtures/policies";
import { bigRefund, decide, refundDesk } from "./helpers";

const STATUS = "governance.escalation_status";

describe("governance.escalation_status", () => {
  it("is listed for every agent as open, even one whose allowed tools name only payments", async () => {
    const { key } = await newTenant({ rows: standardRows, agent: { allowed_tools: ["payments.*"] } });
    const { tools } = await (await connect(key)).listTools();
    const status = tools.find((t) => t.name === STATUS)!;
    expect(status).toBeDefined();
    expect(status.inputSchema.required).toEqual(["escalation_id"]);
    expect(status.annotations?.readOnlyHint).toBe(true);
    expect((status._meta?.["policy-os/policy_state"] as any).state).toBe("open");
    expect(status.description).toMatch(/Policy state: open/);
  });

  it("tells an agent waiting on a held call who may approve, and what to do once it is approved and used", async () => {
    const { client } = await refundDesk();
    const held = await call(client, "payments.create_refund", bigRefund);
    const escalation_id = held.outcome.escalation_id!;

    const pending = await call(client, STATUS, { escalation_id });
    expect(pending.isError).toBe(false);
    expect(pending.outcome).toMatchObject({ outcome: "succeeded", success: true, escalation_id });
    expect(pending.outcome.data).toMatchObject({
      escalation_id,
      status: "pending",
      tool: "payments.create_refund",
      reason_code: "refund_over_limit",
      approvers: ["manager"],
      expires_at: held.outcome.denial!.details!.expires_at,
      decided_by: null,
      executed_at: null,
    });
    expect(pending.text).toMatch(new RegExp(`^Escalation ${escalation_id} for payments.create_refund is pending`));

    await decide(escalation_id, "approved", "manager");
    const approved = await call(client, STATUS, { escalation_id });
    expect(approved.outcome.data).toMatchObject({ status: "approved", decided_by: "manager" });
    expect((approved.outcome.data as any).next).toMatch(/call payments.create_refund again with the same arguments/i);
    expect(approved.text).toMatch(/is approved by manager: call payments.create_refund again with the same arguments/);

    const ran = await call(client, "payments.create_refund", bigRefund);
    const executed = await call(client, STATUS, { escalation_id });
    expect(executed.outcome.data).toMatchObject({
      status: "executed",
      executed_invocation_id: ran.outcome.invocation_id,
    });
  });

  it("shows a pending escalation past its expiry as expired, with how to ask again", async () => {
    const { client } = await refundDesk();
    const held = await call(client, "payments.create_refund", bigRefund);
    const escalation_id = held.outcome.escalation_id!;
    await env.DB.prepare(`UPDATE escalations SET expires_at = ? WHERE id = ?`)
      .bind(new Date(Date.now() - 1000).toISOString(), escalation_id)
      .run();
    const asked = await call(client, STATUS, { escalation_id });
    expect(asked.outcome.data).toMatchObject({ status: "expired" });
    expect(asked.text).toMatch(/is expired: call payments.create_refund again with the same arguments to open a new/);
  });

  it("answers not found for another tenant's or another agent's escalation, never its data", async () => {
    const a = await refundDesk();
    const b = await refundDesk();
    const held = await call(a.client, "payments.create_refund", bigRefund);
    const escalation_id = held.outcome.escalation_id!;
    const other = await admin("POST", `/agents?tenant=${a.tenant}`, { name: "billing-bot", owner: "someone" });

    for (const client of [b.client, await connect(other.body.api_key)]) {
      const asked = await call(client, STATUS, { escalation_id });
      expect(asked.isError).toBe(true);
      expect(asked.outcome).toMatchObject({
        outcome: "invalid",
        data: null,
        escalation_id: null,
        error: { code: "escalation_not_found", retryable: false },
      });
      expect(asked.text).toBe(`No escalation ${escalation_id} is on file for this agent.`);
      expect(JSON.stringify(asked.outcome)).not.toContain("payments.create_refund");
    }
  });

  it("refuses a call without an escalation id", async () => {
    const { client } = await refundDesk();
    const asked = await call(client, STATUS, {});
    expect(asked.outcome).toMatchObject({ outcome: "invalid", error: { code: "invalid_arguments" } });
  });

  it("is audited like any call, without ledger entries, and runs no host", async () => {
    const { client, tenant } = await refundDesk();
    const held = await call(client, "payments.create_refund", bigRefund);
    await call(client, STATUS, { escalation_id: held.outcome.escalation_id });
    const rows = await auditRows(tenant, 2);
    const row = rows.find((r) => r.tool === STATUS);
    expect(row).toMatchObject({
      outcome: "succeeded",
      reason_code: "governance_read",
      escalation_id: held.outcome.escalation_id,
      host_ref: null,
      evidence_ids: [],
    });
  });
});

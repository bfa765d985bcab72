import { describe, expect, it } from "vitest";
import { standardRows } from "../fixtures/policies";
import { admin, auditRows, call, connect, newTenant } from "../support/worker";

describe("tools/list", () => {
  it("lists the demo hosts' tools as host.tool with schema, annotations, version and policy state", async () => {
    const { key } = await newTenant({ rows: standardRows });
    const { tools } = await (await connect(key)).listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(["payments.create_refund", "crm.delete_contact", "serviceops.schedule_technician"]),
    );
    const refund = tools.find((t) => t.name === "payments.create_refund")!;
    expect(refund.inputSchema.type).toBe("object");
    expect(refund.inputSchema.properties).toHaveProperty("amount_cents");
    expect(refund.annotations).toBeDefined();
    expect(refund._meta?.["policy-os/version"]).toBe("1.0.0");
    expect(refund.description).toContain("[demo host]");
  });

  it("shows each tool's policy state for this agent as text and as _meta", async () => {
    const { key } = await newTenant({ rows: standardRows });
    const { tools } = await (await connect(key)).listTools();
    const state = (name: string) => tools.find((t) => t.name === name)!._meta!["policy-os/policy_state"] as any;
    expect(state("crm.delete_contact").state).toBe("blocked");
    expect(state("crm.delete_contact").policies).toEqual([
      { id: "no_contact_deletion", name: "Never delete contacts" },
    ]);
    expect(tools.find((t) => t.name === "crm.delete_contact")!.description).toMatch(
      /Policy state: blocked \(Never delete contacts\)/,
    );
    expect(state("payments.create_refund").state).toBe("restricted");
    expect(state("payments.lookup_customer").state).toBe("open");
  });

  it("shows an agent only the tools its allowed_tools globs name, and the governance tools every agent sees", async () => {
    const { key } = await newTenant({ rows: standardRows, agent: { allowed_tools: ["payments.*"] } });
    const { tools } = await (await connect(key)).listTools();
    const hosted = tools.filter((t) => !t.name.startsWith("governance."));
    expect(hosted.length).toBeGreaterThan(0);
    expect(hosted.every((t) => t.name.startsWith("payments."))).toBe(true);
    expect(tools.map((t) => t.name)).toContain("governance.escalation_status");
  });
});

describe("tools/call", () => {
  it("runs an allowed call at once and returns the outcome contract with ledger evidence", async () => {
    const { key, tenant } = await newTenant({ rows: standardRows });
    const client = await connect(key);
    const { outcome, isError, text } = await call(
      client,
      "payments.lookup_customer",
      { customer_id: "cus_002" },
      {
        correlation_id: "session-abc",
      },
    );
    expect(isError).toBe(false);
    expect(outcome).toMatchObject({
      capability_id: "payments.lookup_customer",
      capability_version: "1.0.0",
      correlation: { correlation_id: "session-abc" },
      outcome: "succeeded",
      status: "authorized",
      success: true,
      error: null,
      denial: null,
      escalation_id: null,
      decision: { decision: "authorized", reason_code: "default_allow", policy_ids: [] },
    });
    expect(outcome.invocation_id).toMatch(/^inv_/);
    expect(outcome.decision.snapshot).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(outcome.data).toBeTruthy();
    expect(text).toMatch(/succeeded/);
    expect(outcome.evidence_ids).toHaveLength(2);

    const ledger = await admin("GET", `/ledger?tenant=${tenant}`);
    const kinds = ledger.body.entries.map((e: any) => [e.id, e.kind]);
    // The tenant's policies went live as a release; then the call's two entries.
    expect(kinds).toEqual([
      [expect.any(String), "release"],
      [outcome.evidence_ids[0], "decision"],
      [outcome.evidence_ids[1], "outcome"],
    ]);

    const audit = await auditRows(tenant, 1);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      invocation_id: outcome.invocation_id,
      tool: "payments.lookup_customer",
      outcome: "succeeded",
      reason_code: "default_allow",
      evidence_ids: outcome.evidence_ids,
    });
    expect(Object.keys(audit[0].latency_ms)).toEqual(["validate", "policy", "approval", "adapter", "audit"]);
  });

  it("denies a blocked call with the policy's reason code, never running the adapter", async () => {
    const { key, tenant } = await newTenant({ rows: standardRows });
    const client = await connect(key);
    const { outcome, isError, text } = await call(client, "crm.delete_contact", { contact_id: "con_001" });
    expect(isError).toBe(true);
    expect(outcome).toMatchObject({
      outcome: "denied",
      status: "denied",
      success: false,
      data: null,
      denial: { code: "contact_deletion_blocked", retryable: false, details: { policy: "no_contact_deletion" } },
      decision: { decision: "denied", policy_ids: ["no_contact_deletion"] },
    });
    expect(text).toMatch(/denied by policy Never delete contacts/);
    const contact = await call(client, "crm.get_contact", { contact_id: "con_001" });
    expect(contact.outcome.success).toBe(true);
    const rows = await auditRows(tenant, 2);
    expect(rows.map((row) => row.outcome).sort()).toEqual(["denied", "succeeded"]);
  });

  it("holds a risky call as pending_approval with an escalation bound to the exact call", async () => {
    const { key, tenant } = await newTenant({ rows: standardRows });
    const client = await connect(key);
    const args = { customer_id: "cus_002", amount_cents: 75_000, reason: "damaged" };
    const first = await call(client, "payments.create_refund", args);
    expect(first.isError).toBe(true);
    expect(first.outcome).toMatchObject({
      outcome: "pending_approval",
      status: "action_required",
      success: false,
      denial: {
        code: "approval_required",
        retryable: true,
        details: { policy: "refund_over_limit", approvers: ["manager"] },
      },
      decision: { decision: "escalated", reason_code: "refund_over_limit" },
    });
    expect(first.outcome.escalation_id).toMatch(/^esc_/);
    expect(first.outcome.evidence_ids).toHaveLength(3);

    const again = await call(client, "payments.create_refund", args);
    expect(again.outcome.escalation_id).toBe(first.outcome.escalation_id);
    const other = await call(client, "payments.create_refund", { ...args, amount_cents: 80_000 });
    expect(other.outcome.escalation_id).not.toBe(first.outcome.escalation_id);

    const { body } = await admin("GET", `/escalations?tenant=${tenant}`);
    expect(body.escalations).toHaveLength(2);
    expect(body.escalations.every((e: any) => e.status === "pending" && e.tool === "payments.create_refund")).toBe(
      true,
    );
    const refunds = await call(client, "payments.list_refunds", { customer_id: "cus_002" });
    expect(refunds.outcome.outcome).toBe("succeeded");
    expect((refunds.outcome.data as { refunds: unknown[] }).refunds).toEqual([]);
  });

  it("records shadow policies as would-have results without enforcing them", async () => {
    const { key, tenant } = await newTenant({ rows: standardRows });
    const { outcome } = await call(await connect(key), "payments.create_refund", {
      customer_id: "cus_002",
      amount_cents: 20_000,
      reason: "late",
    });
    expect(outcome.outcome).toBe("succeeded");
    const { body } = await admin("GET", `/ledger?tenant=${tenant}`);
    const decision = body.entries.find((e: any) => e.kind === "decision");
    expect(decision.body.shadow).toEqual([
      expect.objectContaining({ policy_id: "shadow_refund_block", would: "block" }),
    ]);
  });

  it("applies the tenant's default posture to calls no policy matches", async () => {
    const { key } = await newTenant({ rows: [] });
    const client = await connect(key);
    const deleted = await call(client, "crm.delete_contact", { contact_id: "con_001" });
    expect(deleted.outcome).toMatchObject({ outcome: "pending_approval", decision: { reason_code: "default_hold" } });
    expect(deleted.outcome.denial?.details?.approvers).toEqual(["ops"]);
  });
});

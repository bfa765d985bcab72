import { describe, expect, it } from "vitest";
import { bigRefund, escalationRow, refundDesk } from "../approvals/helpers";
import { admin, call } from "../support/worker";

describe("tenant settings", () => {
  it("creates a tenant that waits a day for a decision and reminds approvers after an hour", async () => {
    const { tenant } = await refundDesk();
    const { body } = await admin("GET", "/tenants");
    expect(body.tenants.find((t: { id: string }) => t.id === tenant)).toMatchObject({
      approvals: { ttl_seconds: 86_400, reminder_seconds: 3_600 },
    });
  });

  it("changes how long held calls wait and when approvers are reminded, for the calls held next", async () => {
    const { tenant, client } = await refundDesk();
    const changed = await admin("PATCH", `/tenants/${tenant}`, {
      approval_ttl_seconds: 900,
      approval_reminder_seconds: null,
      default_approvers: ["ops", "manager"],
    });
    expect(changed.status).toBe(200);
    expect(changed.body.tenant).toMatchObject({
      id: tenant,
      default_approvers: ["ops", "manager"],
      approvals: { ttl_seconds: 900, reminder_seconds: null },
    });

    const held = await call(client, "payments.create_refund", bigRefund);
    const row = (await escalationRow(held.outcome.escalation_id!))!;
    expect(Date.parse(row.expires_at) - Date.parse(row.created_at)).toBe(900_000);
    expect(row.remind_at).toBeNull();
  });

  it("refuses settings it cannot use, saying which, and changes nothing", async () => {
    const { tenant } = await refundDesk();
    const refused = await admin("PATCH", `/tenants/${tenant}`, { approval_ttl_seconds: 0, reminder: "soon" });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("invalid_request");
    expect(JSON.stringify(refused.body.error)).toMatch(/approval_ttl_seconds/);
    const { body } = await admin("GET", "/tenants");
    expect(body.tenants.find((t: { id: string }) => t.id === tenant).approvals.ttl_seconds).toBe(86_400);
  });

  it("answers 404 for a tenant that does not exist", async () => {
    const missing = await admin("PATCH", "/tenants/no-such-tenant", { approval_ttl_seconds: 60 });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("tenant_not_found");
  });
});

import { describe, expect, it } from "vitest";
import { standardRows } from "../fixtures/policies";
import { admin, auditRows, call, connect, newTenant } from "../support/worker";

describe("PII outside the arguments, end to end", () => {
  it("an email in the correlation id and a card number as the tool name are redacted in every record", async () => {
    const { key, tenant } = await newTenant({ rows: standardRows });
    const meta = { correlation_id: "for pat.doe@example.com" };
    const { outcome, text } = await call(await connect(key), "4111 1111 1111 1111", {}, meta);
    expect(outcome).toMatchObject({
      outcome: "invalid",
      error: { code: "unknown_tool" },
      capability_id: "[REDACTED:payment_card]",
      correlation: { correlation_id: "for [REDACTED:email]" },
    });
    const listed = await admin("GET", `/ledger?tenant=${tenant}`);
    expect(listed.status).toBe(200);
    const ledger = listed.body;
    // The ledger holds the call's own entries: their absence of PII below is about what was written.
    expect(JSON.stringify(ledger.entries)).toContain("[REDACTED:payment_card]");
    const audit = await auditRows(tenant, 1);
    expect(audit[0]).toMatchObject({ tool: "[REDACTED:payment_card]" });
    const recorded = JSON.stringify([outcome, text, ledger, audit]);
    expect(recorded).not.toContain("pat.doe@example.com");
    expect(recorded).not.toContain("4111");
  });
});

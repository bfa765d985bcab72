import { describe, expect, it } from "vitest";
import { standardRows } from "../fixtures/policies";
import { callModern, connectModern } from "../support/modern-client";
import { call, connect, newTenant } from "../support/worker";

describe("both MCP eras on one endpoint", () => {
  it("lists the same tools with the same policy state to a 2026-07-28 client and a 2025 client", async () => {
    const { key } = await newTenant({ rows: standardRows });
    const modern = await connectModern(key);
    const legacy = await connect(key);
    expect(modern.getProtocolEra()).toBe("modern");
    const [now, before] = await Promise.all([modern.listTools(), legacy.listTools()]);
    expect(now.tools.map((t) => t.name)).toEqual(before.tools.map((t) => t.name));
    const state = (tools: typeof now.tools) =>
      tools.find((t) => t.name === "crm.delete_contact")!._meta!["policy-os/policy_state"];
    expect(state(now.tools)).toEqual(state(before.tools as typeof now.tools));
    const ran = await callModern(modern, "payments.lookup_customer", { customer_id: "cus_001" });
    expect(ran.outcome).toMatchObject({ outcome: "succeeded", success: true });
    const old = await call(legacy, "payments.lookup_customer", { customer_id: "cus_001" });
    expect(old.outcome).toMatchObject({ outcome: "succeeded", success: true });
  });
});

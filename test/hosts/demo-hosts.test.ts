import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { enableDemoHosts } from "../../src/hosts/demo/enable-demo-hosts";
import type { Host, HostCallResult } from "../../src/hosts/host";
import { createHostRegistry } from "../../src/hosts/registry";
import { callContext, uniqueTenant } from "./helpers";

const db = (env as unknown as { DB: D1Database }).DB;

async function demoTenant(label: string) {
  const tenant = uniqueTenant(label);
  await enableDemoHosts(db, tenant, "2026-01-01T00:00:00.000Z");
  const registry = createHostRegistry({ db, secrets: {} });
  let n = 0;
  const call = async (name: string, args: Record<string, unknown>): Promise<HostCallResult> => {
    const resolved = await registry.resolve(tenant, name);
    if (!resolved) throw new Error(`${name} did not resolve`);
    n += 1;
    return resolved.host.call(resolved.descriptor.tool, args, callContext(tenant, `inv_${String(n).padStart(3, "0")}`));
  };
  return { tenant, registry, call };
}

function data(result: HostCallResult): any {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}: ${result.error.message}`);
  return result.data;
}

describe("demo hosts", () => {
  it("lists the nine demo tools with JSON Schemas, annotations, version 1.0.0 and [demo host] labels", async () => {
    const { tenant, registry } = await demoTenant("list");
    const tools = await registry.catalog(tenant);
    expect(tools.map((t) => t.name).sort()).toEqual([
      "crm.delete_contact",
      "crm.get_contact",
      "crm.update_contact",
      "payments.create_refund",
      "payments.list_refunds",
      "payments.lookup_customer",
      "serviceops.cancel_appointment",
      "serviceops.list_technicians",
      "serviceops.schedule_technician",
    ]);
    for (const tool of tools) {
      expect(tool.description.startsWith("[demo host] ")).toBe(true);
      expect(tool.demo).toBe(true);
      expect(tool.version).toBe("1.0.0");
      expect(tool.input_schema.type).toBe("object");
      for (const property of Object.values(tool.input_schema.properties ?? {})) {
        expect((property as { description?: string }).description).toEqual(expect.any(String));
      }
    }
    const refund = tools.find((t) => t.name === "payments.create_refund");
    expect(refund?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });
    expect(refund?.input_schema).toMatchObject({
      required: ["customer_id", "amount_cents", "reason"],
      additionalProperties: false,
      properties: { amount_cents: { type: "integer", exclusiveMinimum: 0 } },
    });
    expect(tools.find((t) => t.name === "serviceops.cancel_appointment")?.annotations.destructiveHint).toBe(true);
    expect(tools.find((t) => t.name === "crm.get_contact")?.annotations.readOnlyHint).toBe(true);
    const hosts = await registry.listHosts(tenant);
    expect(hosts.map((h) => h.label).sort()).toEqual([
      "CRM (demo host)",
      "Payments (demo host)",
      "ServiceOps (demo host)",
    ]);
  });

  it("stores a refund and lists it, with the customer's remaining balance going down", async () => {
    const { call } = await demoTenant("refund");
    const created = data(
      await call("payments.create_refund", { customer_id: "cus_001", amount_cents: 12_500, reason: "Late delivery" }),
    );
    expect(created).toEqual({
      refund: {
        id: "ref_0001",
        customer_id: "cus_001",
        amount_cents: 12_500,
        reason: "Late delivery",
        invocation_id: "inv_001",
        status: "succeeded",
      },
      remaining_refundable_cents: 37_500,
    });
    const listed = data(await call("payments.list_refunds", { customer_id: "cus_001" }));
    expect(listed.refunds).toEqual([created.refund].map(({ status: _s, ...r }: any) => r));
    expect(listed.total_cents).toBe(12_500);
    expect(data(await call("payments.lookup_customer", { customer_id: "cus_001" })).remaining_refundable_cents).toBe(
      37_500,
    );
  });

  it("answers a refund over the remaining refundable balance with a tool error and stores nothing", async () => {
    const { call } = await demoTenant("overbalance");
    data(await call("payments.create_refund", { customer_id: "cus_003", amount_cents: 4_000, reason: "Partial" }));
    const over = await call("payments.create_refund", {
      customer_id: "cus_003",
      amount_cents: 1_001,
      reason: "Too much",
    });
    expect(over).toMatchObject({
      ok: false,
      error: { code: "host_error", retryable: false },
      host_ref: "demo:payments",
    });
    if (!over.ok) expect(over.error.message).toContain("remaining refundable balance of 1000 cents");
    expect(data(await call("payments.list_refunds", {})).refunds).toHaveLength(1);
  });

  it("answers an unknown customer with a tool error", async () => {
    const { call } = await demoTenant("unknown");
    const result = await call("payments.create_refund", { customer_id: "cus_999", amount_cents: 100, reason: "x" });
    expect(result).toMatchObject({ ok: false, error: { code: "host_error", message: "No customer with id cus_999." } });
    expect(await call("payments.lookup_customer", { customer_id: "cus_999" })).toMatchObject({
      ok: false,
      error: { code: "host_error" },
    });
  });

  it("rejects arguments that do not fit the tool's schema without running it", async () => {
    const { call } = await demoTenant("badargs");
    const result = await call("payments.create_refund", { customer_id: "cus_001", amount_cents: -5, reason: "x" });
    expect(result).toMatchObject({ ok: false, error: { code: "host_rejected", retryable: false } });
    expect(data(await call("payments.list_refunds", {})).refunds).toEqual([]);
  });

  it("gives the same results for the same calls in two fresh tenants", async () => {
    const script = async (label: string) => {
      const { call } = await demoTenant(label);
      return [
        await call("payments.create_refund", { customer_id: "cus_002", amount_cents: 2_000, reason: "Damaged" }),
        await call("serviceops.schedule_technician", {
          technician_id: "tech_001",
          customer_id: "cus_002",
          starts_at: "2026-03-02T09:00:00Z",
          duration_minutes: 90,
        }),
        await call("crm.update_contact", { contact_id: "con_002", fields: { phone: "+1 555 0199" } }),
        await call("payments.list_refunds", {}),
        await call("serviceops.list_technicians", { skill: "hvac" }),
      ];
    };
    expect(await script("det_a")).toEqual(await script("det_b"));
  });

  it("schedules a technician, refuses a clashing booking, and cancels the visit", async () => {
    const { call } = await demoTenant("serviceops");
    const booked = data(
      await call("serviceops.schedule_technician", {
        technician_id: "tech_002",
        customer_id: "cus_001",
        starts_at: "2026-03-02T09:00:00Z",
        duration_minutes: 60,
        notes: "Leaking pipe",
      }),
    );
    expect(booked.appointment).toMatchObject({ id: "apt_0001", status: "scheduled", technician_id: "tech_002" });
    const clash = await call("serviceops.schedule_technician", {
      technician_id: "tech_002",
      customer_id: "cus_002",
      starts_at: "2026-03-02T09:30:00Z",
      duration_minutes: 30,
    });
    expect(clash).toMatchObject({ ok: false, error: { code: "host_error" } });
    const south = data(await call("serviceops.list_technicians", { region: "south" }));
    expect(south.technicians).toEqual([
      expect.objectContaining({
        id: "tech_002",
        appointments: [{ id: "apt_0001", starts_at: "2026-03-02T09:00:00Z", duration_minutes: 60 }],
      }),
    ]);
    const cancelled = data(
      await call("serviceops.cancel_appointment", { appointment_id: "apt_0001", reason: "Customer fixed it" }),
    );
    expect(cancelled.appointment).toMatchObject({ status: "cancelled", cancel_reason: "Customer fixed it" });
    expect(data(await call("serviceops.list_technicians", { region: "south" })).technicians[0].appointments).toEqual(
      [],
    );
  });

  it("updates a contact's fields and deletes the contact", async () => {
    const { call } = await demoTenant("crm");
    const updated = data(
      await call("crm.update_contact", { contact_id: "con_001", fields: { email: "m.lopez@acme.example" } }),
    );
    expect(updated.contact).toMatchObject({
      id: "con_001",
      name: "Maria Lopez",
      email: "m.lopez@acme.example",
      phone: "+1 555 0101",
    });
    expect(data(await call("crm.delete_contact", { contact_id: "con_001" }))).toEqual({
      deleted: { id: "con_001", name: "Maria Lopez" },
    });
    expect(await call("crm.get_contact", { contact_id: "con_001" })).toMatchObject({
      ok: false,
      error: { code: "host_error" },
    });
  });

  it("enabling demo hosts twice keeps the state made since (no reseed, no duplicates)", async () => {
    const { tenant, registry, call } = await demoTenant("idempotent");
    data(await call("payments.create_refund", { customer_id: "cus_001", amount_cents: 100, reason: "x" }));
    data(await call("crm.delete_contact", { contact_id: "con_003" }));
    await enableDemoHosts(db, tenant);
    registry.invalidate(tenant);
    expect(await registry.catalog(tenant)).toHaveLength(9);
    expect(data(await call("payments.list_refunds", {})).refunds).toHaveLength(1);
    expect(await call("crm.get_contact", { contact_id: "con_003" })).toMatchObject({ ok: false });
  });

  it("keeps each tenant's demo data to itself", async () => {
    const a = await demoTenant("iso_a");
    const b = await demoTenant("iso_b");
    data(await a.call("payments.create_refund", { customer_id: "cus_001", amount_cents: 100, reason: "x" }));
    expect(data(await b.call("payments.list_refunds", {})).refunds).toEqual([]);
    const other = uniqueTenant("none");
    expect(await a.registry.catalog(other)).toEqual([]);
    expect(await a.registry.resolve(other, "payments.create_refund")).toBeNull();
  });

  it("refuses a call made with another tenant's context", async () => {
    const { tenant, registry } = await demoTenant("ctx");
    const resolved = await registry.resolve(tenant, "payments.list_refunds");
    const host = resolved?.host as Host;
    expect(await host.call("list_refunds", {}, callContext("someone_else", "inv_x"))).toMatchObject({
      ok: false,
      error: { code: "host_rejected" },
    });
  });
});

import { describe, expect, it } from "vitest";
import { demoDescriptors } from "../../src/hosts/demo/demo-host";
import { crmHost } from "../../src/hosts/demo/crm";
import { paymentsHost } from "../../src/hosts/demo/payments";
import type { ToolDescriptor } from "../../src/hosts/host";
import { validateArguments } from "../../src/hosts/validate-arguments";

const tool = (descriptors: ToolDescriptor[], name: string): ToolDescriptor => {
  const found = descriptors.find((d) => d.tool === name);
  if (!found) throw new Error(name);
  return found;
};
const createRefund = tool(demoDescriptors(paymentsHost), "create_refund");
const updateContact = tool(demoDescriptors(crmHost), "update_contact");

const draft7Tool: ToolDescriptor = {
  name: "tickets.create_ticket",
  host: "tickets",
  tool: "create_ticket",
  title: null,
  description: "",
  version: "1.0.0",
  demo: false,
  annotations: {},
  input_schema: {
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "object",
    properties: { title: { type: "string", minLength: 1 }, tags: { type: "array", items: { type: "string" } } },
    required: ["title"],
  },
};

describe("validateArguments", () => {
  it("accepts arguments that fit the schema", () => {
    expect(validateArguments(createRefund, { customer_id: "cus_001", amount_cents: 500, reason: "Late" })).toEqual({
      ok: true,
    });
  });

  it("names a wrong type by its path", () => {
    expect(validateArguments(createRefund, { customer_id: "cus_001", amount_cents: 12.5, reason: "Late" })).toEqual({
      ok: false,
      errors: [{ path: "/amount_cents", message: expect.stringContaining("integer") }],
    });
    expect(
      validateArguments(createRefund, { customer_id: "cus_001", amount_cents: "500", reason: "Late" }),
    ).toMatchObject({
      ok: false,
      errors: [{ path: "/amount_cents" }],
    });
  });

  it("names each missing required argument", () => {
    expect(validateArguments(createRefund, { customer_id: "cus_001" })).toEqual({
      ok: false,
      errors: [
        { path: "/amount_cents", message: "is required" },
        { path: "/reason", message: "is required" },
      ],
    });
  });

  it("refuses extra keys when the schema forbids them, also in nested objects", () => {
    expect(
      validateArguments(createRefund, { customer_id: "cus_001", amount_cents: 5, reason: "x", sneaky: true }),
    ).toEqual({
      ok: false,
      errors: [{ path: "/sneaky", message: "is not an allowed property" }],
    });
    expect(validateArguments(updateContact, { contact_id: "con_001", fields: { role: "admin" } })).toEqual({
      ok: false,
      errors: [{ path: "/fields/role", message: "is not an allowed property" }],
    });
  });

  it("allows extra keys when the schema does not forbid them, and checks draft-07 schemas from upstreams", () => {
    expect(validateArguments(draft7Tool, { title: "x", extra: 1 })).toEqual({ ok: true });
    expect(validateArguments(draft7Tool, { title: "", tags: ["a", 2] })).toEqual({
      ok: false,
      errors: [
        { path: "/title", message: expect.stringContaining("too short") },
        { path: "/tags/1", message: expect.stringContaining("string") },
      ],
    });
  });

  it("refuses arguments that are not an object", () => {
    expect(validateArguments(draft7Tool, ["title"])).toMatchObject({ ok: false, errors: [{ path: "" }] });
  });

  it("gives the same answer when the compiled validator is reused", () => {
    const args = { customer_id: "cus_001", amount_cents: 0, reason: "x" };
    expect(validateArguments(createRefund, args)).toEqual(validateArguments(createRefund, args));
  });
});

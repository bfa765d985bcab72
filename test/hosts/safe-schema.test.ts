import { describe, expect, it } from "vitest";
import { demoDescriptors } from "../../src/hosts/demo/demo-host";
import { DEMO_HOSTS } from "../../src/hosts/demo/demo-hosts";
import type { ToolDescriptor } from "../../src/hosts/host";
import { safeSchema } from "../../src/hosts/safe-schema";
import { validateArguments } from "../../src/hosts/validate-arguments";

const upstreamTool = (input_schema: ToolDescriptor["input_schema"]): ToolDescriptor => ({
  name: "tickets.search",
  host: "tickets",
  tool: "search",
  title: null,
  description: "",
  version: "1.0.0",
  demo: false,
  annotations: {},
  input_schema,
});

const stringTool = (property: Record<string, unknown>) =>
  upstreamTool({ type: "object", properties: { s: { type: "string", ...property } } });

describe("validateArguments with an upstream schema's regexes on RE2", () => {
  it("enforces ^[a-z]+$ exactly as before, with the same error", () => {
    const slug = stringTool({ pattern: "^[a-z]+$" });
    expect(validateArguments(slug, { s: "refunds" })).toEqual({ ok: true });
    expect(validateArguments(slug, { s: "Refunds" })).toEqual({
      ok: false,
      errors: [{ path: "/s", message: "String does not match pattern." }],
    });
  });

  it("enforces zod's email pattern, leading lookaheads and all", () => {
    const pattern =
      "^(?!\\.)(?!.*\\.\\.)([A-Za-z0-9_'+\\-\\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\\-]*\\.)+[A-Za-z]{2,}$";
    const email = stringTool({ pattern, format: "email" });
    expect(validateArguments(email, { s: "ada.lovelace@example.com" })).toEqual({ ok: true });
    expect(validateArguments(email, { s: "ada..lovelace@example.com" })).toMatchObject({ ok: false });
  });

  it("enforces an ordinary email-like pattern, anchors and Unicode classes", () => {
    const email = stringTool({ pattern: "^[^@]+@[^@]+$" });
    expect(validateArguments(email, { s: "a@b" })).toEqual({ ok: true });
    expect(validateArguments(email, { s: "a@b@c" })).toMatchObject({ ok: false });
    const letters = stringTool({ pattern: "^\\p{L}+$" });
    expect(validateArguments(letters, { s: "Ωμέγα" })).toEqual({ ok: true });
    expect(validateArguments(letters, { s: "abc1" })).toMatchObject({ ok: false });
    const unanchored = stringTool({ pattern: "needle" });
    expect(validateArguments(unanchored, { s: "haystack needle haystack" })).toEqual({ ok: true });
  });

  it("answers ^(a+)+$ correctly on a text that would stall a backtracking engine", () => {
    const evil = stringTool({ pattern: "(a+)+$" });
    expect(validateArguments(evil, { s: `${"a".repeat(30)}!` })).toEqual({
      ok: false,
      errors: [{ path: "/s", message: "String does not match pattern." }],
    });
    expect(validateArguments(evil, { s: "aaa" })).toEqual({ ok: true });
  });

  it("keeps a format on the same subschema and applies neither to non-strings", () => {
    const both = stringTool({ pattern: "^[a-z]+@", format: "email" });
    expect(validateArguments(both, { s: "abc@example.com" })).toEqual({ ok: true });
    expect(validateArguments(both, { s: "ABC@example.com" })).toMatchObject({
      errors: [{ message: "String does not match pattern." }],
    });
    expect(validateArguments(both, { s: "abc@" })).toMatchObject({
      errors: [{ message: expect.stringContaining("email") }],
    });
    const anyType = upstreamTool({ type: "object", properties: { n: { pattern: "^a$" } } });
    expect(validateArguments(anyType, { n: 5 })).toEqual({ ok: true });
  });

  it("accepts every demo host's schema, zod's email pattern included", () => {
    const demo = DEMO_HOSTS.flatMap((host) => demoDescriptors(host));
    expect(demo.filter((tool) => !safeSchema(tool.input_schema).ok).map((tool) => tool.name)).toEqual([]);
  });

  it("leaves the host's schema as sent and rewrites only schema positions", () => {
    const schema = {
      type: "object",
      properties: { pattern: { type: "string", pattern: "^x" } },
      enum: [{ pattern: "^x" }],
      allOf: [{ minProperties: 0 }],
    };
    const before = JSON.stringify(schema);
    const safe = safeSchema(schema);
    expect(JSON.stringify(schema)).toBe(before);
    if (!safe.ok) throw new Error(safe.problem.message);
    expect(safe.schema).toEqual({
      type: "object",
      properties: { pattern: { type: "string", allOf: [{ format: "policy-os/pattern:^x" }] } },
      enum: [{ pattern: "^x" }],
      allOf: [{ minProperties: 0 }],
    });
  });

  it("keeps a property named __proto__ a property", () => {
    const schema = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string","pattern":"^a$"}}}');
    const safe = safeSchema(schema);
    if (!safe.ok) throw new Error(safe.problem.message);
    expect(Object.keys(safe.schema.properties as object)).toEqual(["__proto__"]);
  });

  it("ends every call to a tool whose regex cannot run on RE2 with unsafe_schema_pattern, naming the path", () => {
    const lookahead = stringTool({ pattern: "a(?=b)" });
    expect(validateArguments(lookahead, { s: "a" })).toEqual({
      ok: false,
      code: "unsafe_schema_pattern",
      errors: [{ path: "", message: expect.stringContaining("/properties/s/pattern") }],
    });
  });

  it("ends calls to a looping, unresolvable or too deep schema with unusable_schema", () => {
    const loop = upstreamTool({ type: "object", $ref: "#/$defs/a", $defs: { a: { $ref: "#/$defs/a" } } });
    expect(validateArguments(loop, {})).toMatchObject({ ok: false, code: "unusable_schema" });
    const missing = upstreamTool({ type: "object", properties: { s: { $ref: "#/$defs/nowhere" } } });
    expect(validateArguments(missing, { s: "x" })).toMatchObject({ ok: false, code: "unusable_schema" });
    let deep: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 70; i++) deep = { allOf: [deep] };
    const tooDeep = upstreamTool({ type: "object", properties: { s: deep } });
    expect(validateArguments(tooDeep, { s: "x" })).toMatchObject({ ok: false, code: "unusable_schema" });
  });
});

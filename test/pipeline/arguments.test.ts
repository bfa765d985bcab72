import { describe, expect, it } from "vitest";
import { inspectArguments } from "../../src/pipeline/arguments";

const nested = (depth: number): unknown => (depth === 0 ? "leaf" : { next: nested(depth - 1) });

describe("inspecting tool arguments before the schema", () => {
  it.each([
    ["a flat object", { customer_id: "cus_001", amount_cents: 100 }],
    ["an empty object", {}],
    ["arrays and nulls inside", { items: [1, null, { a: [] }] }],
    ["31 levels of nesting under the top", nested(31)],
  ])("accepts %s", (_label, args) => {
    expect(inspectArguments(args)).toBeNull();
  });

  it.each([
    ["null", null, "", /JSON object/],
    ["an array", [1, 2], "", /JSON object/],
    ["a string", "refund", "", /JSON object/],
    ["a __proto__ key", JSON.parse('{"a":{"__proto__":{"x":1}}}'), "/a/__proto__", /"__proto__" is not allowed/],
    ["a constructor key", { constructor: { prototype: {} } }, "/constructor", /"constructor" is not allowed/],
    ["a prototype key deep down", { a: [{ prototype: 1 }] }, "/a/0/prototype", /"prototype" is not allowed/],
    ["33 levels of nesting", nested(33), "", /deeper than 32/],
  ])("refuses %s, naming where", (_label, args, path, message) => {
    const problem = inspectArguments(args);
    expect(problem?.message).toMatch(message);
    if (path) expect(problem?.path).toBe(path);
  });

  it("walks 100,000 levels of nesting without exhausting the stack", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(inspectArguments({ deep })?.message).toMatch(/deeper than 32/);
  });
});

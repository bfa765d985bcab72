import { describe, expect, it } from "vitest";
import { inspectArguments } from "../../src/pipeline/arguments";

const nested = (depth: number): unknown => (depth === 0 ? "leaf" : { next: nested(depth - 1) });

describe("inspecting tool arguments before the schema", () => {
  it.each([
    ["a flat object", { customer_id: "cus_001", amount_cents: 100 }],
    ["an empty object", {}],
    ["arrays and nulls inside", { items: [1, null, { a: [] }] }],
    ["31 levels of nesting under the top", nested(31)],
    ["-0 and the largest exact integers", { zero: -0, max: 9007199254740991, min: -9007199254740991 }],
    ["fractions, and the smallest numbers", { rate: 0.1, pi: 3.141592653589793, tiny: 5e-324 }],
    ["a well-formed surrogate pair", { emoji: "ok 😀", "key 😀": 1 }],
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
    ["1e309, which parses as Infinity", JSON.parse('{"x":1e309}'), "/x", /too large for JSON/],
    ["-1e309 deep in a list", JSON.parse('{"a":[1,{"b":-1e309}]}'), "/a/1/b", /too large for JSON/],
    ["an integer past 2^53", JSON.parse('{"n":12345678901234567890}'), "/n", /cannot arrive exactly/],
    ["a whole number written as 1e20", JSON.parse('{"n":1e20}'), "/n", /cannot arrive exactly/],
    ["a lone surrogate in a value", JSON.parse('{"s":"a\\ud800"}'), "/s", /not well-formed Unicode/],
    ["a lone surrogate in a key", JSON.parse('{"\\udc00":1}'), "/\udc00", /key is not well-formed/],
    ["a key with a slash, named as a JSON Pointer", { a: { "x/y": Number.NaN } }, "/a/x~1y", /too large/],
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

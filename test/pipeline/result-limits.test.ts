import { describe, expect, it } from "vitest";
import { MAX_RESULT_CHARS, MAX_RESULT_DEPTH, resultProblem } from "../../src/pipeline/result-limits";

const nested = (depth: number): unknown => {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = { next: value };
  return value;
};

describe("checking a host's result before it is hashed, screened or returned", () => {
  it.each([
    ["a plain record", { id: "T-1", rows: [1, 2, { ok: true }], none: null }],
    [`${MAX_RESULT_DEPTH} levels of nesting`, nested(MAX_RESULT_DEPTH)],
    [
      "-0, integers past 2^53, lone surrogates and __proto__ keys",
      JSON.parse('{"z":-0,"n":1e20,"s":"\\ud800","__proto__":1}'),
    ],
    ["a string just under the size bound", { text: "a".repeat(MAX_RESULT_CHARS - 100) }],
  ])("accepts %s", (_label, data) => {
    expect(resultProblem(data)).toBeNull();
  });

  it.each([
    [`${MAX_RESULT_DEPTH + 1} levels of nesting`, nested(MAX_RESULT_DEPTH + 1), "too_deep"],
    ["Infinity deep inside", { rows: [{ n: 1 }, { n: Number.POSITIVE_INFINITY }] }, "not_finite"],
    ["NaN", { n: Number.NaN }, "not_finite"],
    ["one string over the size bound", { text: "a".repeat(MAX_RESULT_CHARS) }, "too_large"],
    ["many small members over the size bound", { rows: Array.from({ length: 200_000 }, () => "abcdef") }, "too_large"],
    ["a bigint", { n: 1n }, "not_json"],
  ])("refuses %s", (_label, data, reason) => {
    expect(resultProblem(data)?.reason).toBe(reason);
  });

  it("walks 1,000,000 levels of nesting without exhausting the stack", () => {
    expect(resultProblem(nested(1_000_000))?.reason).toBe("too_deep");
  });
});

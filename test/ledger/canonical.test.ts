import { describe, expect, it } from "vitest";
import { canonicalJson, hashOf, sha256Hex, sha256HexSync } from "../../src/ledger/canonical";

describe("canonicalJson", () => {
  it("sorts object keys at every depth", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it("drops undefined members and writes undefined array items as null", () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,1]}');
  });

  it("gives the same string for the same value however it was built", () => {
    const one = { tool: "x", args: { q: "é\u2028", n: 1.5 } };
    const two = JSON.parse('{"args":{"n":1.5,"q":"é\\u2028"},"tool":"x"}');
    expect(canonicalJson(one)).toBe(canonicalJson(two));
    expect(canonicalJson(JSON.parse(canonicalJson(one)))).toBe(canonicalJson(one));
  });

  it("refuses values with no JSON form", () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
    expect(() => canonicalJson({ n: Number.POSITIVE_INFINITY })).toThrow(TypeError);
  });

  it("refuses a value nested 100,000 levels deep with a TypeError, not a stack overflow", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(/deeper than 256/);
  });

  it("writes -0 as 0 and a lone surrogate as its escape, so both survive a round trip", () => {
    const value = { zero: -0, lone: "a\ud800b" };
    expect(canonicalJson(value)).toBe('{"lone":"a\\ud800b","zero":0}');
    expect(canonicalJson(JSON.parse(canonicalJson(value)))).toBe(canonicalJson(value));
  });
});

/**
 * canonicalJson's definition, written the plainest way (sort every object's keys, drop undefined members, write
 * scalars as JSON.stringify does): whatever path canonicalJson takes for a value must give exactly this string.
 */
function plainCanonical(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new TypeError("non-finite");
    if (typeof value === "function" || typeof value === "symbol" || typeof value === "bigint") throw new TypeError();
    return value === undefined ? "null" : JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${Array.from(value, (item) => plainCanonical(item)).join(",")}]`;
  const members = Object.keys(value)
    .sort()
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${plainCanonical((value as Record<string, unknown>)[key])}`);
  return `{${members.join(",")}}`;
}

describe("canonicalJson of values JSON.stringify would write differently", () => {
  it("writes every value as the plain definition does, sorted or not, parsed or built", () => {
    const values: unknown[] = [
      { a: 1, b: { c: [1, "x", null, true, { d: -0, e: 1e21, f: 0.1 }] } },
      { b: 1, a: 2 },
      { "10": "ten", "9": "nine", a: "a" },
      { é: 1, e: 2, "\u0000": 3, '"': 4, "\ud800": 5 },
      { a: undefined, b: [undefined, 1], c: '\u2028\n"' },
      Object.assign(new Array<unknown>(3), { 2: 1 }),
      [{ z: 1, y: 2 }, [], {}],
      Object.assign(Object.create(null) as object, { a: 1, b: 2 }),
      Object.assign(Object.create(null) as object, { b: 1, a: 2 }),
      { z: { y: [{ x: 1, w: undefined, v: [{ u: 1, t: 2 }] }], s: 1 }, r: [[{ q: 1, p: 2 }]] },
      { a: { c: 1, b: 2 }, b: [1, { d: 1, c: 2 }] },
      JSON.parse('{"b":1,"__proto__":{"y":1,"x":2},"a":2}'),
      JSON.parse('{"a":{"__proto__":1,"_":2}}'),
      { b: { "2": 1, "10": 2, a: 3 }, a: 1 },
    ];
    for (const value of values) {
      expect(canonicalJson(value)).toBe(plainCanonical(value));
      expect(canonicalJson(JSON.parse(canonicalJson(value)))).toBe(canonicalJson(value));
    }
  });

  it("leaves the value it writes as it was, its keys in their order", () => {
    const value = { b: { d: [{ f: 1, e: 2 }], c: 1 }, a: 1 };
    const before = JSON.stringify(value);
    expect(canonicalJson(value)).toBe('{"a":1,"b":{"c":1,"d":[{"e":2,"f":1}]}}');
    expect(JSON.stringify(value)).toBe(before);
  });

  it("writes objects with a toJSON, dates and boxed primitives as their own members, as it always has", () => {
    expect(canonicalJson({ at: new Date(0) })).toBe('{"at":{}}');
    expect(canonicalJson({ n: Object(1), s: Object("ab") })).toBe('{"n":{},"s":{"0":"a","1":"b"}}');
    expect(canonicalJson({ toJSON: "not a function", a: 1 })).toBe('{"a":1,"toJSON":"not a function"}');
    expect(() => canonicalJson({ a: 1, toJSON: () => "x" })).toThrow(TypeError);
  });

  it("refuses functions and symbols anywhere, which JSON.stringify would quietly drop or write as null", () => {
    expect(() => canonicalJson({ a: () => 1 })).toThrow(TypeError);
    expect(() => canonicalJson([Symbol("s")])).toThrow(TypeError);
    expect(() => canonicalJson({ a: [1, { b: 1n }] })).toThrow(TypeError);
  });

  it("refuses a value 257 levels deep even when its keys are sorted, and writes one 256 levels deep", () => {
    const nest = (levels: number) => {
      let value: unknown = 1;
      for (let i = 0; i < levels; i++) value = { a: value };
      return value;
    };
    expect(canonicalJson(nest(256))).toBe(`${'{"a":'.repeat(256)}1${"}".repeat(256)}`);
    expect(() => canonicalJson(nest(257))).toThrow(/deeper than 256/);
  });
});

describe("sha256", () => {
  it("hashes synchronously to the same hex as WebCrypto", async () => {
    for (const text of ["", "abc", "ünïcødé ✓", '{"a":1}']) expect(sha256HexSync(text)).toBe(await sha256Hex(text));
    expect(sha256HexSync("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("hashOf prefixes the hash of the canonical JSON", async () => {
    expect(await hashOf({ b: 1, a: 2 })).toBe(`sha256:${sha256HexSync('{"a":2,"b":1}')}`);
  });
});

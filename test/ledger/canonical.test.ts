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

describe("sha256", () => {
  it("hashes synchronously to the same hex as WebCrypto", async () => {
    for (const text of ["", "abc", "ünïcødé ✓", '{"a":1}']) expect(sha256HexSync(text)).toBe(await sha256Hex(text));
    expect(sha256HexSync("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("hashOf prefixes the hash of the canonical JSON", async () => {
    expect(await hashOf({ b: 1, a: 2 })).toBe(`sha256:${sha256HexSync('{"a":2,"b":1}')}`);
  });
});

import { describe, expect, it } from "vitest";
import { compileCustomPattern, redact, redactText } from "../../src/redaction";

describe("redact", () => {
  it("redacts strings at any depth and names each path and detector", () => {
    const result = redact({ customer: { emails: ["ana@acme.io", "pat@example.com"], note: "call 415-555-2671" } });
    expect(result.value).toEqual({
      customer: { emails: ["[REDACTED:email]", "[REDACTED:email]"], note: "call [REDACTED:phone]" },
    });
    expect(result.redactions).toEqual([
      { path: "$.customer.emails[0]", detector: "email", count: 1 },
      { path: "$.customer.emails[1]", detector: "email", count: 1 },
      { path: "$.customer.note", detector: "phone", count: 1 },
    ]);
  });

  it("writes keys that are not identifiers in brackets", () => {
    const result = redact({ "billing contact": { "2nd": "pat@example.com" } });
    expect(result.redactions).toEqual([{ path: '$["billing contact"]["2nd"]', detector: "email", count: 1 }]);
  });

  it("counts several matches of one detector in one string as one line with a count", () => {
    const result = redact({ to: "pat@example.com; ana@acme.io" });
    expect(result.redactions).toEqual([{ path: "$.to", detector: "email", count: 2 }]);
  });

  it("redacts a key that holds PII and keeps two such keys apart", () => {
    const result = redact({ "pat@example.com": "owner", "ana@acme.io": "viewer" });
    expect(result.value).toEqual({ "[REDACTED:email]": "owner", "[REDACTED:email] #2": "viewer" });
    expect(result.redactions.map((r) => r.path)).toEqual(['$["[REDACTED:email]"]', '$["[REDACTED:email] #2"]']);
  });

  it("redacts a card number sent as a JSON number, leaving other numbers alone", () => {
    const result = redact({ card: 4111111111111111, amount_cents: 70000, created: 1717171717171 });
    expect(result.value).toEqual({ card: "[REDACTED:payment_card]", amount_cents: 70000, created: 1717171717171 });
  });

  it("reads nine bare digits as an SSN only under a key that names one", () => {
    const result = redact({
      customer_ssn: "123456789",
      ssn: 123456789,
      order_id: "123456789",
      socialSecurityNumber: "987654321",
    });
    expect(result.value).toEqual({
      customer_ssn: "[REDACTED:us_ssn]",
      ssn: "[REDACTED:us_ssn]",
      order_id: "123456789",
      // 987… has area 9xx, which the SSA never issues.
      socialSecurityNumber: "987654321",
    });
  });

  it("copies the values under skipKeys untouched", () => {
    const result = redact({ order_id: "pat@example.com", note: "pat@example.com" }, { skipKeys: ["order_id"] });
    expect(result.value).toEqual({ order_id: "pat@example.com", note: "[REDACTED:email]" });
  });

  it("runs only the detectors asked for", () => {
    const result = redact({ a: "pat@example.com", b: "415-555-2671" }, { detectors: ["phone"] });
    expect(result.value).toEqual({ a: "pat@example.com", b: "[REDACTED:phone]" });
  });

  it("runs a custom pattern and reports it as custom:<name>", () => {
    const compiled = compileCustomPattern("EMP-\\d{6}");
    if (!compiled.ok) throw new Error(compiled.reason);
    const result = redact(
      { who: "EMP-004211 asked" },
      { custom: [{ name: "employee_id", pattern: compiled.pattern }] },
    );
    expect(result.value).toEqual({ who: "[REDACTED:custom:employee_id] asked" });
    expect(result.redactions).toEqual([{ path: "$.who", detector: "custom:employee_id", count: 1 }]);
  });

  it("never changes its input", () => {
    const input = { a: ["pat@example.com", { "ana@acme.io": 4111111111111111 }], b: "123-45-6789" };
    const copy = structuredClone(input);
    redact(input);
    expect(input).toEqual(copy);
  });

  it("keeps null, booleans and an own __proto__ key as they are", () => {
    const input = JSON.parse('{"__proto__": {"x": "pat@example.com"}, "ok": true, "none": null}') as object;
    const result = redact(input);
    expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
    expect(JSON.stringify(result.value)).toBe('{"__proto__":{"x":"[REDACTED:email]"},"ok":true,"none":null}');
  });

  it("replaces containers nested deeper than maxDepth and says where", () => {
    let deep: unknown = { email: "pat@example.com" };
    for (let i = 0; i < 40; i++) deep = { next: deep };
    const result = redact(deep, { maxDepth: 3 });
    expect(result.value).toEqual({ next: { next: { next: "[REDACTED:depth_limit]" } } });
    expect(result.redactions).toEqual([{ path: "$.next.next.next", detector: "depth_limit", count: 1 }]);
  });

  it("replaces the whole value when it holds more characters than maxChars, so nothing unscanned gets through", () => {
    const result = redact({ a: "x".repeat(60), b: "pat@example.com".repeat(5) }, { maxChars: 100 });
    expect(result).toEqual({
      value: "[REDACTED:size_limit]",
      redactions: [{ path: "$", detector: "size_limit", count: 1 }],
    });
  });

  it("replaces a text longer than maxChars whole in redactText", () => {
    expect(redactText("x".repeat(11), { maxChars: 10 }).text).toBe("[REDACTED:size_limit]");
  });
});

describe("pathological input", () => {
  const texts: Record<string, string> = {
    "100k digits": "4".repeat(100_000),
    "card-like groups": "4111 ".repeat(20_000),
    "SSN-like fragments": "123-45-".repeat(15_000),
    "at signs": "a@".repeat(50_000),
    "a long local part": "a.".repeat(50_000) + "@x",
    "IBAN-like groups": "DE89 ".repeat(20_000),
    "a JWT header with no end": "eyJ" + "a".repeat(100_000),
    "open parentheses": "+1 (".repeat(25_000),
  };

  for (const [label, text] of Object.entries(texts))
    it(`finishes on 100k characters of ${label}`, () => {
      expect(redactText(text).text.length).toBeGreaterThan(0);
    });

  it("finishes with an accepted custom pattern on 100k characters that almost match it", () => {
    const compiled = compileCustomPattern("[a-z]{1,100}-\\d{6}");
    if (!compiled.ok) throw new Error(compiled.reason);
    const result = redactText("a".repeat(100_000), { custom: [{ name: "ref", pattern: compiled.pattern }] });
    expect(result.redactions).toEqual([]);
  });
});

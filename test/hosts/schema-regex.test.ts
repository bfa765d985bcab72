import { describe, expect, it } from "vitest";
import { propertyNamePatternProblem } from "../../src/hosts/property-name-pattern";
import { compileSchemaRegex, MAX_SCHEMA_PATTERN_LENGTH } from "../../src/hosts/schema-regex";

const tester = (source: unknown) => {
  const compiled = compileSchemaRegex(source);
  if (!compiled.ok) throw new Error(`${String(source)} was refused: ${compiled.reason}`);
  return compiled.test;
};

// Each pattern with texts chosen to fall on both sides of where JavaScript and RE2 syntax differ.
const SAME_ANSWERS: [string, string[]][] = [
  ["^[a-z]+$", ["refunds", "Refunds", "", "ab1", "é"]],
  ["^[^@]+@[^@]+$", ["a@b", "a@@b", "@b", "a@b@c"]],
  ["^\\d{3}-\\d{4}$", ["555-1234", "555-12345", "٣٣٣-1234"]],
  ["abc", ["xxabcxx", "ab"]],
  ["^$", ["", "a"]],
  ["colou?r$", ["color", "colour", "colouur"]],
  ["^\\p{L}+$", ["héllo", "Ωμέγα", "hi!", "😀"]],
  ["^\\p{Lu}\\P{Lu}*$", ["Hello", "HeLlo"]],
  ["^.+$", ["abc", "a\nb", "a\rb", "a\u2028b", "a\u2029b", "😀"]],
  ["^.$", ["😀", "é", "\n"]],
  ["^\\s+$", [" \t", "\u00a0", "\u2003", "\ufeff", "\u2028", "x"]],
  ["^\\S+$", ["abc", "a\u00a0b", "a b"]],
  ["^[\\s\\S]*$", ["", "a\nb\u2028"]],
  ["^[a\\S]$", ["a", "b", " ", "\u00a0"]],
  ["^[^\\s]+$", ["ab", "a\u3000b"]],
  ["^[^\\s,]+$", ["ab", "a,b", "a\u00a0b"]],
  ["^a[]", ["a", "ab"]],
  ["^[^]$", ["a", "\n", "😀"]],
  ["^\\u00e9$", ["é", "e"]],
  ["^\\u{1F600}$", ["😀", "😃"]],
  ["^\\uD83D\\uDE00$", ["😀", "😃"]],
  ["^(?<year>\\d{4})-(?<month>\\d{2})$", ["2026-12", "26-12"]],
  ["\\bword\\b", ["a word here", "swordfish", "word"]],
  ["^\\w+$", ["snake_case1", "é"]],
  ["^[\\b]$", ["\b", "b"]],
  ["^\\0$", ["\0", "0"]],
  ["^\\cJ$", ["\n", "J"]],
  ["^\\x41$", ["A", "x41"]],
  ["^a\\/b$", ["a/b", "a\\/b"]],
  ["^[[]$", ["[", "]"]],
  ["^[[:a]+$", ["[:a", "alpha"]],
  ["^\\$\\d+\\.\\d{2}$", ["$10.00", "10.00"]],
  ["^(?:ab|cd){2}$", ["abcd", "abab", "abc"]],
  ["a$", ["a", "a\n"]],
  ["^[\\w.+-]+@[\\w-]+\\.[\\w.]+$", ["someone@example.com", "someone@", "a b@c.d"]],
  [
    "^(?!\\.)(?!.*\\.\\.)([A-Za-z0-9_'+\\-\\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\\-]*\\.)+[A-Za-z]{2,}$",
    ["a@b.co", ".a@b.co", "a..b@c.co", "a.b@c.co", "a@b"],
  ],
  ["^(?=.*\\d)(?=.*[a-z])[a-z\\d]{8,}$", ["abcdefg1", "abcdefgh", "12345678", "abc1"]],
  ["^(?!foo)\\w+$", ["foobar", "barfoo"]],
  ["^(?=[^)]*\\))\\(?[a-z)]+$", ["(ab)", "ab", "a)"]],
  // Texts short enough for the backtracking engine this compares against.
  ["^(a+)+$", ["aaaa", "aaa!"]],
  ["(x+x+)+y", ["xxxx", "xxy"]],
];

describe("compileSchemaRegex", () => {
  it.for(SAME_ANSWERS)("answers %s exactly as JavaScript's u-flag RegExp does", ([source, texts]) => {
    const test = tester(source);
    for (const text of texts) expect([text, test(text)]).toEqual([text, new RegExp(source, "u").test(text)]);
  });

  it("answers a catastrophic pattern correctly on a text a backtracking engine would stall on", () => {
    const test = tester("^(a+)+$");
    expect(test(`${"a".repeat(30)}!`)).toBe(false);
    expect(test("a".repeat(100_000))).toBe(true);
    expect(tester("^(a|a)*$")(`${"a".repeat(5_000)}b`)).toBe(false);
    expect(tester("(x+x+)+y")("x".repeat(5_000))).toBe(false);
  });

  it.for([
    ["a backreference", "^(a)\\1$", "refers back"],
    ["a named backreference", "^(?<x>a)\\k<x>$", "refers back"],
    ["a lookahead after the start", "a(?=b)", "looks ahead or behind"],
    ["a negative lookahead after the start", "^a(?!b)", "looks ahead or behind"],
    ["a leading lookahead before a top-level choice", "^(?!a)b|c", "looks ahead or behind"],
    ["a lookbehind", "(?<=a)b", "looks ahead or behind"],
    ["a negative lookbehind", "(?<!a)b", "looks ahead or behind"],
    ["an inline modifier", "(?i:abc)", "inline modifier"],
    ["invalid syntax", "^(a$", "not a valid regular expression"],
    ["syntax valid only without the u flag", "\\-", "not a valid regular expression"],
    ["a repeat RE2 cannot count to", "^a{1001}$", "linear-time engine cannot run"],
    ["a negated class holding \\S", "[^\\S]", "negates a class"],
  ] as const)("refuses %s with a reason", ([, source, reason]) => {
    expect(compileSchemaRegex(source)).toEqual({ ok: false, reason: expect.stringContaining(reason) });
  });

  it("refuses a pattern that is not a string or is too long", () => {
    expect(compileSchemaRegex(["^(a+)+$"])).toEqual({ ok: false, reason: "is not a string" });
    expect(compileSchemaRegex(5)).toEqual({ ok: false, reason: "is not a string" });
    expect(compileSchemaRegex("a".repeat(MAX_SCHEMA_PATTERN_LENGTH + 1))).toMatchObject({ ok: false });
  });
});

describe("propertyNamePatternProblem", () => {
  it.for([
    "^[a-z][a-z0-9_]*$",
    "^x-",
    "^(get|set)_[a-z]{1,8}$",
    "^(?:a|b)(?:c|d)(?:e|f)(?<g>h|i)_[a-z]+$",
    "^[A-Z]{2}$",
    "^\\p{L}+$",
    "foo",
  ])("accepts %s, whose backtracking is bounded", (source) =>
    expect(propertyNamePatternProblem(source)).toBeUndefined(),
  );

  it.for([
    ["^(a+)+$", "repeats a group"],
    ["^(a|ab)*$", "repeats a group"],
    ["[a-z]+$", "does not start with ^"],
    ["^a|b+$", "does not start with ^"],
    ["^a+b+$", "more than one long repeat"],
    ["^[ab]?[ab]?[ab]?[ab]?[ab]?[ab]?[ab]?$", "more than 64 ways"],
    ["(?=a)", "looks ahead"],
    ["^(?!x)[a-z]{1,3}$", "looks ahead"],
  ] as const)("refuses %s", ([source, reason]) => {
    expect(propertyNamePatternProblem(source)).toContain(reason);
  });
});

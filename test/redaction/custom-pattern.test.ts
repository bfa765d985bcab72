import { describe, expect, it } from "vitest";
import { compileCustomPattern, MAX_CUSTOM_PATTERN_LENGTH } from "../../src/redaction";

const reasonFor = (source: string) => {
  const result = compileCustomPattern(source);
  return result.ok ? undefined : result.reason;
};

describe("compileCustomPattern", () => {
  it("accepts patterns for ids with fixed or bounded parts", () => {
    for (const source of ["EMP-\\d{6}", "[A-Z]{2}\\d{6,9}", "(\\d{3}-){2}\\d{4}", "(?:MRN|mrn)[: ]{0,2}\\d{6,10}"])
      expect(reasonFor(source)).toBeUndefined();
  });

  it("refuses a repeated group that holds a repeat, naming the problem", () => {
    for (const source of ["(a+)+$", "(\\w+\\s?)*", "(\\d{1,3}\\.){4}"])
      expect(reasonFor(source)).toMatch(/repeats a group that itself contains a repeat or a choice/);
  });

  it("refuses a repeated group that holds a choice", () => {
    expect(reasonFor("(a|aa)*")).toMatch(/repeats a group that itself contains a repeat or a choice/);
  });

  it("refuses backreferences, by number or by name", () => {
    for (const source of ["(a)\\1", "(?<x>a)\\k<x>"])
      expect(reasonFor(source)).toMatch(/refers back to an earlier group/);
  });

  it("refuses lookahead and lookbehind", () => {
    for (const source of ["a(?=b)", "a(?!b)", "(?<=a)b", "(?<!a)b"])
      expect(reasonFor(source)).toMatch(/looks ahead or behind/);
  });

  it("refuses a repeat without an upper limit and says how to bound it", () => {
    expect(reasonFor("EMP-\\d+")).toMatch(/no upper limit.*like \\d\{1,12\} instead of \\d\+/);
    expect(reasonFor("x\\d{2,}")).toMatch(/no upper limit/);
    expect(reasonFor("x\\d{1,101}")).toMatch(/a limit above 100/);
  });

  it("refuses a pattern with too many ways to match at one place", () => {
    expect(reasonFor("\\w{1,100}@\\w{1,100}")).toMatch(/too many ways to match/);
  });

  it("refuses an over-long pattern and says the limit", () => {
    expect(reasonFor("a".repeat(MAX_CUSTOM_PATTERN_LENGTH + 1))).toBe(
      `The pattern is ${MAX_CUSTOM_PATTERN_LENGTH + 1} characters long; at most ${MAX_CUSTOM_PATTERN_LENGTH} are allowed.`,
    );
  });

  it("refuses invalid syntax without repeating the pattern back", () => {
    expect(reasonFor("EMP-(\\d{6}")).toBe("The pattern is not a valid regular expression (Unterminated group).");
  });

  it("refuses an empty pattern and one that matches empty text", () => {
    expect(reasonFor("")).toBe("The pattern is empty.");
    expect(reasonFor("x?")).toMatch(/can match empty text/);
  });

  it("gives every refusal as one or two full sentences", () => {
    for (const source of ["(a+)+$", "(a)\\1", "a(?=b)", "\\d+", "\\w{1,100}@\\w{1,100}", "(", "x?"])
      expect(reasonFor(source)).toMatch(/^The pattern [^\n]*\.$/);
  });
});

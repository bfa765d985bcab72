import { describe, expect, it } from "vitest";
import {
  isValidToolPattern,
  matchesGlob,
  splitToolPatterns,
  toToolPattern,
  wildcardMatch,
} from "../../src/policy/glob";

describe("tool patterns", () => {
  it.each([
    ["payments.*", "payments.create_refund", true],
    ["payments.*", "crm.get_contact", false],
    ["payments.*", "paymentsx.create_refund", false],
    ["*", "crm.get_contact", true],
    ["*.get_*", "crm.get_contact", true],
    ["crm.update_contact", "crm.update_contact", true],
    ["crm.update_contact", "crm.update_contacts", false],
    ["crm.?et_contact", "crm.get_contact", true],
    ["crm.?et_contact", "crm.gget_contact", false],
    ["pay*.lookup-*", "payments.lookup-customer", true],
    ["crm.get.contact", "crm.getxcontact", false],
  ])("%s against %s matches: %s", (pattern, tool, expected) => {
    expect(matchesGlob(pattern, tool)).toBe(expected);
  });

  it.each(["pay ments.*", "payments/*", "crm.[a-z]", "", "a+b"])("refuses %j", (pattern) => {
    expect(isValidToolPattern(pattern)).toBe(false);
    expect(matchesGlob(pattern, "payments.x")).toBe(false);
  });

  it("splits a cell on commas and newlines", () => {
    expect(splitToolPatterns(" payments.*,\ncrm.get_contact\r\n, ,")).toEqual(["payments.*", "crm.get_contact"]);
  });

  it("indexes exact names, host wildcards and other globs differently", () => {
    expect(toToolPattern("crm.get_contact").kind).toBe("exact");
    expect(toToolPattern("crm.*").kind).toBe("host");
    expect(toToolPattern("crm.get_*").kind).toBe("glob");
    expect(toToolPattern("*").kind).toBe("glob");
  });

  it.each([
    ["*", "", true],
    ["*", "a.b.c", true],
    ["?", "", false],
    ["?", ".", true],
    ["??", "a", false],
    ["payments.*", "payments.", true],
    ["payments.*", "payments.refunds.create", true],
    ["payments.*", "Payments.create_refund", false],
    ["*.delete_*", "crm.delete_contact", true],
    ["*.delete_*", "crm.sub.delete_contact", true],
    ["*.delete_*", "crm.soft_delete_contact", false],
    ["*_contact", "crm.get_contact", true],
    ["crm.*contact*", "crm.contact", true],
    ["a*b*c", "abc", true],
    ["a*b*c", "acb", false],
    ["a*b*c", "aXbYbZc", true],
    ["*b", "*ab", true],
    ["a?c", "a\nc", true],
    ["crm.GET_contact", "crm.get_contact", false],
  ])("%j against %j matches: %s (a star crosses dots, ? is one character, case counts)", (pattern, tool, expected) => {
    expect(matchesGlob(pattern, tool)).toBe(expected);
  });

  it("answers a pathological pattern against a long name without backtracking blow-up", () => {
    const name = "a".repeat(5000);
    expect(matchesGlob("*a*a*a*a*a*a*a*a*a*a*b", name)).toBe(false);
    expect(matchesGlob("*a*a*a*a*a*a*a*a*a*a*a", name)).toBe(true);
    expect(matchesGlob("?*?*?*?*?*?*?*?*?*?*b", name)).toBe(false);
  });

  it("agrees with an anchored regex reading of the same glob on many random patterns and names", () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pick = (alphabet: string, length: number) =>
      Array.from({ length }, () => alphabet[random(alphabet.length)]).join("");
    for (let i = 0; i < 3000; i++) {
      const pattern = pick("ab.*?", 1 + random(7));
      const name = pick("ab.", random(9));
      const body = [...pattern].map((c) => (c === "*" ? ".*" : c === "?" ? "." : c === "." ? "\\." : c)).join("");
      expect(wildcardMatch(pattern, name), `${pattern} ~ ${name}`).toBe(new RegExp(`^${body}$`, "s").test(name));
    }
  });
});

import { describe, expect, it } from "vitest";
import { isValidToolPattern, matchesGlob, splitToolPatterns, toToolPattern } from "../../src/policy/glob";

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
});

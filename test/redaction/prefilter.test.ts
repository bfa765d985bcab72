import { describe, expect, it } from "vitest";
import { redact, redactText } from "../../src/redaction";
import { textFacts } from "../../src/redaction/text";

describe("the one-pass prefilter", () => {
  it("counts digits, the longest run of grouped digits and whether there is an @", () => {
    expect(textFacts("call +1 (415) 555-2671, ref 12")).toEqual({
      digits: 13,
      groupedDigits: 11,
      at: false,
      fold: false,
    });
    expect(textFacts("pat@example.com")).toEqual({ digits: 0, groupedDigits: 0, at: true, fold: false });
    expect(textFacts("4111a1111@1111")).toEqual({ digits: 12, groupedDigits: 4, at: true, fold: false });
  });

  it("finds no email in a text without @, and still finds one in a text with it", () => {
    expect(redactText("pat at example.com").text).toBe("pat at example.com");
    expect(redactText("mail pat@example.com today").text).toBe("mail [REDACTED:email] today");
  });

  it("finds phones, SSNs and cards grouped by spaces, dots, dashes, parentheses and +, among other digits", () => {
    const text = "ref 12: +1 (415) 555-2671, 123-45-6789, 415.555.2671 and 4111 1111 1111 1111 on 2024-01-16";
    expect(redactText(text).text).toBe(
      "ref 12: [REDACTED:phone], [REDACTED:us_ssn], [REDACTED:phone] and [REDACTED:payment_card] on 2024-01-16",
    );
  });

  it("does not add up digits that letters or an @ keep apart", () => {
    for (const text of ["415a555b2671", "4111x1111y1111z1111", "123@45@6789"]) expect(redactText(text).text).toBe(text);
  });

  it("finds a phone after a timestamp in the same text", () => {
    expect(redactText("2024-01-16T10:15:00Z call 415-555-2671").text).toBe(
      "2024-01-16T10:15:00Z call [REDACTED:phone]",
    );
  });
});

describe("the walk's shortcuts", () => {
  it("redacts a property name each time it appears, in every object", () => {
    const result = redact([{ "pat@example.com": 1 }, { "pat@example.com": 2 }]);
    expect(result.value).toEqual([{ "[REDACTED:email]": 1 }, { "[REDACTED:email]": 2 }]);
    expect(result.redactions.map((r) => r.path)).toEqual(['$[0]["[REDACTED:email]"]', '$[1]["[REDACTED:email]"]']);
  });

  it("reads bare SSNs under a repeated SSN key in every object, and leaves numbers of 10 to 12 digits", () => {
    const result = redact([{ ssn: 123456789 }, { ssn: 4155552671 }, { ssn: "123456780" }, { id: 123456789 }]);
    expect(result.value).toEqual([
      { ssn: "[REDACTED:us_ssn]" },
      { ssn: 4155552671 },
      { ssn: "[REDACTED:us_ssn]" },
      { id: 123456789 },
    ]);
  });

  it("checks only numbers of 13 or more digits as cards", () => {
    const result = redact({ a: 4111111111111111, b: 411111111111, c: 42 });
    expect(result.value).toEqual({ a: "[REDACTED:payment_card]", b: 411111111111, c: 42 });
  });
});

import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../bench/fixtures/random";
import { DETECTOR_NAMES, DETECTORS, redact, redactText } from "../../src/redaction";
import { foldText } from "../../src/redaction/fold";
import { textFacts } from "../../src/redaction/text";

/**
 * Texts made of pieces that sit on every prefilter's edges: digits after letters, `_`, `.`, `-`, `+` or `(`, Unicode
 * digits, spaces, dashes and invisible characters inside numbers, labels, key prefixes and credential words.
 */
function edgeTexts(count: number): string[] {
  const pieces = [
    ...["0", "1", "4", "9", "12", "123", "4111", "1111", "555", "2671", "00", "415", "6789", "45"],
    ...["+", "(", ")", "(+", "-", ".", " ", "_", "@", ":", "/", ",", "#", "a", "Z", "x", "T", "ORD-", "ext. "],
    ...["order ", "tel ", "PN ", "ssn ", "pat", "@example.com", ".io", "GB82", "WEST", "DE89", "NO93", "AB12"],
    ...["\u00a0", "\u2009", "\u3000", "\u200b", "\u200d", "\u00ad", "\u2011", "\u2212", "\uff0e", "\u20e3"],
    ...["\uff14", "\u0664", "\u0967", "\ud835\udfce", "\ud83d\ude00", "\u00e9", "\u4e2d"],
    ...["sk-", "AKIA", "ASIA", "ghp_", "github_pat_", "glpat-", "xoxb-", "sk_live_", "AIza", "eyJ", "-----BEGIN "],
    ...[
      "PASSWORD=",
      "Passwd: ",
      "api_key=",
      "TOKEN=",
      "Secret:",
      "KEY",
      "aB3dE6gH9jK2mN5pQ8rS0tU",
      "4111 1111 1111 1111",
    ],
  ];
  const random = mulberry32(19);
  const texts: string[] = [];
  for (let k = 0; k < count; k++) {
    let text = "";
    for (let n = 1 + Math.floor(random() * 12); n > 0; n--) text += pieces[Math.floor(random() * pieces.length)];
    texts.push(text);
  }
  return texts;
}

describe("the one-pass prefilter", () => {
  it("counts digits, the longest run of grouped digits that starts a number and whether there is an @", () => {
    expect(textFacts("call +1 (415) 555-2671, ref 12")).toEqual({
      digits: 13,
      numberDigits: 11,
      at: false,
      fold: false,
    });
    expect(textFacts("pat@example.com")).toEqual({ digits: 0, numberDigits: 0, at: true, fold: false });
    expect(textFacts("4111a1111@1111")).toEqual({ digits: 12, numberDigits: 4, at: true, fold: false });
  });

  it("counts no digits of a run that starts inside a word or a number, nor those before a digit that starts one", () => {
    expect(textFacts("ORD-2024-031752").numberDigits).toBe(0);
    expect(textFacts("v1.2.3 id_4155552671 x-4111111111111111").numberDigits).toBe(0);
    expect(textFacts("-12 345 678 901").numberDigits).toBe(9);
    expect(textFacts("a+4155552671").numberDigits).toBe(10);
  });

  it("skips a detector only where its scan would find nothing, on text folded or not", () => {
    let skipped = 0;
    for (const original of edgeTexts(20_000)) {
      const text = foldText(original)?.text ?? original;
      const facts = textFacts(text);
      for (const name of DETECTOR_NAMES) {
        if (DETECTORS[name].mayMatch(text, facts)) continue;
        skipped++;
        expect(DETECTORS[name].find(text), `${name} in ${JSON.stringify(text)}`).toEqual([]);
      }
    }
    expect(skipped).toBeGreaterThan(20_000);
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

  it("reads a property name alike on every call, whether its facts are kept from an earlier call or scanned anew", () => {
    const payload = {
      "pat@example.com": { ssn: "123-45-6789", "tel 415 555 2671": [{ "social security": 123456789 }] },
    };
    const fresh = redact(payload, { detectors: [...DETECTOR_NAMES] });
    expect(fresh.redactions).toHaveLength(4);
    for (let call = 0; call < 3; call++) expect(redact(payload)).toEqual(fresh);
  });

  it("checks only numbers of 13 or more digits as cards", () => {
    const result = redact({ a: 4111111111111111, b: 411111111111, c: 42 });
    expect(result.value).toEqual({ a: "[REDACTED:payment_card]", b: 411111111111, c: 42 });
  });
});

import { describe, expect, it } from "vitest";
import { redact, redactText } from "../../src/redaction";
import { foldText } from "../../src/redaction/fold";
import { textFacts } from "../../src/redaction/text";

const CARD = "4111111111111111";
const fours = (digits: string, sep: string) => digits.match(/.{1,4}/g)!.join(sep);
const between = (digits: string, sep: string) => [...digits].join(sep);
/** ASCII digits written as the Unicode digits whose zero is `zero`. */
const digitsFrom = (zero: number, digits: string) =>
  [...digits].map((d) => (/\d/.test(d) ? String.fromCodePoint(zero + Number(d)) : d)).join("");

const SPACES: [string, string][] = [
  ["no-break spaces", "\u00a0"],
  ["narrow no-break spaces", "\u202f"],
  ["thin spaces", "\u2009"],
  ["figure spaces", "\u2007"],
  ["ideographic spaces", "\u3000"],
  ["em spaces", "\u2003"],
];
const INVISIBLE: [string, string][] = [
  ["zero-width spaces", "\u200b"],
  ["zero-width non-joiners", "\u200c"],
  ["zero-width joiners", "\u200d"],
  ["word joiners", "\u2060"],
  ["byte order marks", "\ufeff"],
  ["soft hyphens", "\u00ad"],
];

describe("PII written with look-alike characters", () => {
  for (const [name, space] of SPACES) {
    it(`finds a card number grouped by ${name}`, () => {
      expect(redactText(`card ${fours(CARD, space)} thanks`).text).toBe("card [REDACTED:payment_card] thanks");
    });

    it(`finds an SSN and a phone grouped by ${name}`, () => {
      expect(redactText(`ssn 123${space}45${space}6789`).text).toBe("ssn [REDACTED:us_ssn]");
      expect(redactText(`call +44${space}20${space}7946${space}0958`).text).toBe("call [REDACTED:phone]");
    });
  }

  for (const [name, invisible] of INVISIBLE) {
    it(`finds a card number, an SSN and a phone with ${name} between digits`, () => {
      expect(redactText(`card ${between(CARD, invisible)}.`).text).toBe("card [REDACTED:payment_card].");
      expect(redactText(`ssn ${between("123-45-6789", invisible)}`).text).toBe("ssn [REDACTED:us_ssn]");
      expect(redactText(`call ${between("415-555-2671", invisible)} now`).text).toBe("call [REDACTED:phone] now");
    });
  }

  it("finds a card number and an SSN grouped by dots", () => {
    expect(redactText(`card ${fours(CARD, ".")} on file`).text).toBe("card [REDACTED:payment_card] on file");
    expect(redactText("ssn 123.45.6789.").text).toBe("ssn [REDACTED:us_ssn].");
  });

  it("finds a card number right after a decimal", () => {
    expect(redactText(`paid 12.5 ${fours(CARD, " ")}`).text).toBe("paid 12.5 [REDACTED:payment_card]");
  });

  it("finds a card number, an SSN and a phone mixing Unicode spaces, invisible characters and dashes", () => {
    expect(redactText("4111\u00a0111\u200b1\u202f1111\u30001111").text).toBe("[REDACTED:payment_card]");
    expect(redactText("123\u201345\u20116789").text).toBe("[REDACTED:us_ssn]");
    expect(redactText("(415)\u00a0555\u2013267\u00ad1").text).toBe("[REDACTED:phone]");
  });

  it("finds a card number in fullwidth digits", () => {
    expect(redactText(`card ${digitsFrom(0xff10, fours(CARD, " "))}`).text).toBe("card [REDACTED:payment_card]");
  });

  it("finds an SSN in Arabic-Indic, Devanagari and mathematical bold digits", () => {
    for (const zero of [0x660, 0x966, 0x1d7ce])
      expect(redactText(`ssn ${digitsFrom(zero, "123-45-6789")} ok`).text).toBe("ssn [REDACTED:us_ssn] ok");
  });

  it("finds an SSN written in keycap digits and a card number with combining marks on its digits", () => {
    expect(redactText(`ssn ${"123-45-6789".replace(/\d/g, "$&\ufe0f\u20e3")}`).text).toBe("ssn [REDACTED:us_ssn]");
    const marked = fours(CARD, " ").replace(/\d/g, "$&\u0332");
    expect(redactText(`card ${marked} ok`).text).toBe("card [REDACTED:payment_card] ok");
  });

  it("finds an IBAN grouped by no-break spaces", () => {
    expect(redactText("iban DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000").text).toBe("iban [REDACTED:iban]");
  });

  it("finds an email with a zero-width space in it", () => {
    expect(redactText("mail pat\u200b@example.com").text).toBe("mail [REDACTED:email]");
  });

  it("redacts the whole obfuscated run, invisible characters included", () => {
    const text = `a ${between("4111", "\u200b")}\u00a0${between("1111", "\u200d")}\u202f${digitsFrom(0xff10, "1111")}\u3000${between("1111", "\u00ad")}\u200b b`;
    expect(redactText(text).text).toBe("a [REDACTED:payment_card] b");
  });

  it("keeps the text around a match exactly as written", () => {
    const text = "caf\u00e9\u00a0\u2014 r\u00e9f\u00a012 \u2009call 415\u00a0555\u00a02671 \ud83d\ude00 \u00a9";
    expect(redactText(text).text).toBe(
      "caf\u00e9\u00a0\u2014 r\u00e9f\u00a012 \u2009call [REDACTED:phone] \ud83d\ude00 \u00a9",
    );
  });

  it("finds a bare SSN with zero-width spaces under an SSN key", () => {
    const result = redact({ ssn: between("123456789", "\u200b") });
    expect(result.value).toEqual({ ssn: "[REDACTED:us_ssn]" });
  });

  it("redacts an obfuscated card in a property name", () => {
    const result = redact({ [fours(CARD, "\u00a0")]: true });
    expect(result.value).toEqual({ "[REDACTED:payment_card]": true });
  });
});

describe("ordinary text with the same characters", () => {
  const untouched = [
    ["leaves an IP address alone", "host 192.168.100.254 and 10.0.0.1"],
    ["leaves version numbers alone", "upgraded from 1.2.3.4 to 10.20.30.40"],
    ["leaves decimals with dots alone", "total 1234567.89 or 12.345.678,90 EUR"],
    ["leaves dates alone", "on 2024.01.16, 16.01.2024 and 2024\u00a001\u00a016"],
    [
      "leaves prose with no-break and zero-width characters alone",
      "Le\u00a0prix\u202f: 12\u00a0€ \u2014 zero\u200bwidth",
    ],
    [
      "leaves a long number with no-break spaces alone when it is no card",
      "pop. 1\u00a0234\u00a0567\u00a0890\u00a0123",
    ],
    [
      "leaves a 10-digit order id in fullwidth digits alone",
      "order \uff14\uff11\uff15\uff15\uff15\uff15\uff12\uff16\uff17\uff11",
    ],
    ["leaves emoji and accented letters alone", "\ud83d\ude00 caf\u00e9 \ud835\udc00 123"],
    ["leaves decomposed accents and keycap emoji alone", "cafe\u0301 n\u0303 1\ufe0f\u20e3 #\ufe0f\u20e3"],
    ["leaves a card with a wrong check digit alone, however it is spaced", "4111\u00a01111\u00a01111\u30001112"],
  ];
  for (const [name, text] of untouched)
    it(name!, () => {
      expect(redactText(text!).text).toBe(text);
    });
});

describe("folding", () => {
  it("maps every folded character back to where it was written", () => {
    const folded = foldText("a\u200b\uff11\u00a0\ud835\udfcf!")!;
    expect(folded.text).toBe("a1 1!");
    expect([...folded.offsets]).toEqual([0, 2, 3, 4, 6, 7]);
  });

  it("folds a short text as it folds the same characters at the start of a long one", () => {
    const texts = [
      "a\u200b\uff11\u00a0\ud835\udfcf!",
      "4111\u00a01111\u20091111\u30001111",
      "\u0664\u0661\u0665\u2011\u0665\u0665\u0665\u200d-2671 1\ufe0f\u20e3 e\u0301",
      "\ufeff\u00ad\u2212\uff0e\ud835\udff7\ud83d\ude00\ud835",
    ];
    for (const text of texts) {
      const padding = "x".repeat(300);
      const short = foldText(text)!;
      const long = foldText(text + padding)!;
      expect(long.text).toBe(short.text + padding);
      // The first padding character starts where the short text ends.
      expect([...long.offsets].slice(0, short.text.length + 1)).toEqual([...short.offsets]);
      expect([...long.offsets].at(-1)).toBe(text.length + padding.length);
    }
  });

  it("is skipped for ASCII text and text with only other Unicode characters", () => {
    expect(textFacts("plain ASCII 4111 1111").fold).toBe(false);
    expect(textFacts("caf\u00e9 \u00a9 \u4e2d\u6587").fold).toBe(false);
    expect(textFacts("4111\u00a01111").fold).toBe(true);
    expect(textFacts("\uff14").fold).toBe(true);
  });

  it("changes nothing in ASCII text or text without look-alikes", () => {
    expect(foldText("plain ASCII 4111 1111")).toBeUndefined();
    expect(foldText("caf\u00e9 \ud83d\ude00")).toBeUndefined();
    expect(foldText("cafe\u0301 \u00a9\ufe0f")).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { redactText, type DetectorName } from "../../src/redaction";

/** The text with only `detector` enabled. */
const only = (detector: DetectorName, text: string) => redactText(text, { detectors: [detector] }).text;
/** The text with every detector enabled. */
const all = (text: string) => redactText(text).text;

describe("email", () => {
  it("finds an address in a sentence and keeps the full stop after it", () => {
    expect(only("email", "Write to pat@example.com.")).toBe("Write to [REDACTED:email].");
  });

  it("finds addresses with plus tags, subdomains and upper case", () => {
    expect(only("email", "a+crm@mail.example.co.uk, LI.WEI@ACME.IO")).toBe("[REDACTED:email], [REDACTED:email]");
  });

  it("leaves hosts without a dotted domain, one-letter and numeric top-level domains", () => {
    for (const text of ["pat@localhost", "ops@example.c", "user@192.168", "@acme_support", "git@v2"])
      expect(only("email", text)).toBe(text);
  });
});

describe("phone", () => {
  it("finds a North American number after other digits in one run, and no other layout there", () => {
    expect(only("phone", "ref 12 415-555-2671")).toBe("ref 12 [REDACTED:phone]");
    expect(only("phone", "id 77 1-415-555-2671")).toBe("id 77 [REDACTED:phone]");
    expect(only("phone", "v 3.2 (415) 555-2671")).toBe("v 3.2 [REDACTED:phone]");
    for (const text of ["ref 12 415 555 2671", "12 4155 555 2671", "CH84 4219 6055 1192 0439 6", "7 020 7946 0958"])
      expect(only("phone", text)).toBe(text);
  });

  it("finds E.164 numbers, compact or spaced", () => {
    expect(only("phone", "call +14155552671 or +44 20 7946 0958")).toBe("call [REDACTED:phone] or [REDACTED:phone]");
  });

  it("finds North American numbers with parentheses, dashes, dots or a leading 1", () => {
    for (const text of ["(415) 555-2671", "415-555-2671", "415.555.2671", "1-415-555-2671", "+1 (415) 555-2671"])
      expect(only("phone", `tel ${text} today`)).toBe("tel [REDACTED:phone] today");
  });

  it("finds national numbers written with a trunk 0", () => {
    for (const text of ["020 7946 0958", "07700 900123", "01 23 45 67 89"])
      expect(only("phone", text)).toBe("[REDACTED:phone]");
  });

  it("leaves order ids, dates, versions, IP addresses and timestamps", () => {
    for (const text of [
      "4155552671",
      "2024-01-15",
      "12.4.33",
      "192.168.100.200",
      "ORD-2024-123456",
      "2024-03-14T10:15:00Z",
    ])
      expect(only("phone", text)).toBe(text);
  });

  it("leaves an area code starting 1 and numbers too short for any layout", () => {
    for (const text of ["(115) 555-2671", "415-555-26", "+1 415 555"]) expect(only("phone", text)).toBe(text);
  });

  it("leaves zip+4 codes that start with 0", () => {
    expect(only("phone", "04368-3297")).toBe("04368-3297");
  });

  it("finds international numbers behind the 00 prefix (E.123), in groups", () => {
    for (const text of ["0044 20 7946 0958", "00 33 1 23 45 67 89", "0049-30-1234567"])
      expect(only("phone", `call ${text} today`)).toBe("call [REDACTED:phone] today");
  });

  it("leaves a 00 that is not written whole before the country code, or a country code 0", () => {
    for (const text of ["0-06-832225-9", "0004 20 7946 0958"]) expect(only("phone", text)).toBe(text);
  });

  it("finds ten-digit national numbers written solid with their trunk 0, and nine digits after it in groups", () => {
    for (const text of ["0123456789", "0612345678", "06 123 4567", "02 1234 567"])
      expect(only("phone", `call ${text} today`)).toBe("call [REDACTED:phone] today");
  });

  it("leaves solid runs of other lengths or starting 00, and nine digits in an SSN's 3-2-4 layout", () => {
    for (const text of ["012345678", "01234567890", "0012345678", "012-34-5678"])
      expect(only("phone", text)).toBe(text);
  });

  it("leaves part and product numbers behind a code label, not numbers behind a phone label", () => {
    for (const text of ["PN 012-3456-789", "SKU-020 7946 0958", "REF 0612345678"])
      expect(only("phone", text)).toBe(text);
    expect(only("phone", "TEL 020 7946 0958")).toBe("TEL [REDACTED:phone]");
  });
});

describe("us_ssn", () => {
  it("finds an SSN written with dashes or spaces", () => {
    expect(only("us_ssn", "SSN 123-45-6789 and 123 45 6789")).toBe("SSN [REDACTED:us_ssn] and [REDACTED:us_ssn]");
  });

  it("leaves numbers the SSA never issues: area 000, 666 or 9xx, group 00, serial 0000", () => {
    for (const text of ["000-12-3456", "666-12-3456", "912-12-3456", "123-00-4567", "123-45-0000"])
      expect(all(text)).toBe(text);
  });

  it("leaves mixed separators and SSN-shaped parts of longer numbers grouped the same way", () => {
    for (const text of ["123-45 6789", "12 123 45 6789", "123 45 6789 0", "123-45-6789-0"])
      expect(only("us_ssn", text)).toBe(text);
  });

  it("finds a dashed SSN right after another number, which a prefix cannot hide it behind", () => {
    for (const text of ["0 123-45-6789", "agent/1.0 123-45-6789", "10 123.45.6789"])
      expect(only("us_ssn", text)).not.toContain("123");
  });

  it("leaves nine bare digits in text, since zip+4 codes and ids look the same", () => {
    expect(only("us_ssn", "id 123456789")).toBe("id 123456789");
  });
});

describe("payment_card", () => {
  it("finds a Visa number written in groups of four", () => {
    expect(only("payment_card", "card 4111 1111 1111 1111 exp")).toBe("card [REDACTED:payment_card] exp");
  });

  it("finds Mastercard, Amex 4-6-5 and Diners 4-6-4 layouts, bare or with dashes", () => {
    for (const text of ["5555555555554444", "5555-5555-5555-4444", "3782 822463 10005", "3056 930902 5904"])
      expect(only("payment_card", text)).toBe("[REDACTED:payment_card]");
  });

  it("finds a card followed by its expiry date", () => {
    expect(only("payment_card", "4111 1111 1111 1111 12/27")).toBe("[REDACTED:payment_card] 12/27");
  });

  it("leaves a number whose Luhn check digit is wrong", () => {
    expect(all("4111 1111 1111 1112")).toBe("4111 1111 1111 1112");
  });

  it("leaves a Luhn-valid number without a brand prefix, and a Visa prefix at a length Visa never uses", () => {
    for (const text of ["1234 5678 9012 3452", "411111111111111111"]) expect(only("payment_card", text)).toBe(text);
  });

  it("does not read the first groups of a mistyped 19-digit number as a shorter card", () => {
    // 4111 1111 1111 1111 alone is a valid Visa; the run of five groups is one number with a wrong check digit.
    expect(only("payment_card", "4111 1111 1111 1111 123")).toBe("4111 1111 1111 1111 123");
  });

  it("leaves digits inside a longer run, like invoice ids", () => {
    expect(only("payment_card", "INV-4111111111111111")).toBe("INV-4111111111111111");
  });
});

describe("iban", () => {
  it("finds IBANs written compact or in groups of four, in any case", () => {
    expect(only("iban", "to GB82 WEST 1234 5698 7654 32 or de89370400440532013000")).toBe(
      "to [REDACTED:iban] or [REDACTED:iban]",
    );
  });

  it("leaves an IBAN whose check digits are wrong, and does not redact its groups as anything else", () => {
    expect(all("GB83 WEST 1234 5698 7654 32")).toBe("GB83 WEST 1234 5698 7654 32");
  });

  it("leaves an IBAN one character longer or shorter than its country's length", () => {
    for (const text of ["DE8937040044053201300", "DE893704004405320130000"]) expect(only("iban", text)).toBe(text);
  });

  it("leaves a country code it does not know", () => {
    expect(only("iban", "AB12 3456 7890 1234")).toBe("AB12 3456 7890 1234");
  });
});

describe("secret", () => {
  const github = "ghp_" + "A1b2".repeat(9);
  const jwt =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

  it("finds AWS access key ids, GitHub tokens and Stripe keys", () => {
    const stripe = "sk_live_" + "Ab3".repeat(8);
    expect(only("secret", `AKIAIOSFODNN7EXAMPLE ${github} ${stripe}`)).toBe(
      "[REDACTED:secret] [REDACTED:secret] [REDACTED:secret]",
    );
  });

  it("finds OpenAI and Anthropic keys, whose bodies mix cases and digits", () => {
    const key = "sk-ant-api03-" + "aB3_x-".repeat(12);
    expect(only("secret", `key=${key}`)).toBe("key=[REDACTED:secret]");
  });

  it("finds a JWT, signature included", () => {
    expect(only("secret", `Bearer ${jwt}`)).toBe("Bearer [REDACTED:secret]");
  });

  it("finds a PEM private key block, and everything after a BEGIN line with no END", () => {
    const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc=\n-----END RSA PRIVATE KEY-----";
    expect(only("secret", `key:\n${pem}\nthanks`)).toBe("key:\n[REDACTED:secret]\nthanks");
    expect(only("secret", "-----BEGIN PRIVATE KEY-----\nMIIEow cut off")).toBe("[REDACTED:secret]");
  });

  it("finds tokens beside a credential word with no = or : of its own, and assignments only with one", () => {
    const gitlab = "glpat-" + "Ab3_x".repeat(4);
    expect(only("secret", `Doohickey key ${github} and ${gitlab}`)).toBe(
      "Doohickey key [REDACTED:secret] and [REDACTED:secret]",
    );
    expect(only("secret", "Doohickey api_key hunter2secret")).toBe("Doohickey api_key hunter2secret");
    expect(only("secret", "Doohickey api_key: hunter2secret")).toBe("Doohickey api_key: [REDACTED:secret]");
    expect(only("secret", "PASSWORD=hunter2secret gl")).toBe("PASSWORD=[REDACTED:secret] gl");
  });

  it("leaves keys that are too short, prose after sk- and base64 without a JWT header", () => {
    const notJwt = `${btoa('{"typ":"JWT"}')}.${btoa('{"sub":"1"}')}.abcdefghijklmnopqrst`;
    for (const text of ["AKIAIOSFODNN7EXA", "ghp_abc123", "sk-learn-pipeline-config-default", notJwt, "AIzaShort"])
      expect(only("secret", text)).toBe(text);
  });
});

describe("several detectors on one text", () => {
  it("replaces each match once and counts the replacements per detector", () => {
    const result = redactText("pat@example.com, ana@example.com, 123-45-6789");
    expect(result.text).toBe("[REDACTED:email], [REDACTED:email], [REDACTED:us_ssn]");
    expect(result.redactions).toEqual([
      { detector: "email", count: 2 },
      { detector: "us_ssn", count: 1 },
    ]);
  });

  it("returns the text unchanged with no redactions when nothing matches", () => {
    expect(redactText("Shipping address confirmed")).toEqual({ text: "Shipping address confirmed", redactions: [] });
  });
});

import { describe, expect, it } from "vitest";
import { redactText, type DetectorName } from "../../src/redaction";
import { behindIdentifierLabel } from "../../src/redaction/identifier-label";
import { isCardNumber } from "../../src/redaction/payment-card";

/**
 * Phone layouts people type that the held-out corpus and its review named, and ids that merely look like a phone or
 * pass a card's checks but are labelled as a record's id. One row per format and per id.
 */
const FOUND: [string, DetectorName, string][] = [
  ["a country code in parentheses", "phone", "(+44) 20 7946 0958"],
  ["a Singapore number with its country code in parentheses", "phone", "(+65) 6123 4567"],
  ["a trunk 0 in parentheses after the country code", "phone", "+44 (0) 20 7946 0958"],
  ["an extension written ext.", "phone", "+1 415 555 2671 ext. 204"],
  ["an extension written x", "phone", "(415) 555-2671 x204"],
  ["an extension after a comma", "phone", "415-555-2671, ext 23"],
  ["a Danish number in four pairs", "phone", "32 45 67 89"],
  ["a Russian number behind the trunk 8, area code in parentheses", "phone", "8 (495) 123-45-67"],
  ["a Russian mobile behind the trunk 8, with dashes", "phone", "8-916-123-45-67"],
  ["a Russian free-phone number behind the trunk 8", "phone", "8 800 555 3535"],
  ["a Chinese mobile in 3-4-4 with spaces", "phone", "138 0013 8000"],
  ["a Chinese mobile in 3-4-4 with dashes", "phone", "139-1234-5678"],
  ["a card behind a word that only ends in an id label", "payment_card", "preorder 4111111111111111"],
  ["a card grouped like a card, even behind an order label", "payment_card", "order 4111 1111 1111 1111"],
  ["a card behind the word card", "payment_card", "card 4111111111111111"],
];

const LEFT: [string, string][] = [
  ["a Luhn-valid order id with a Visa prefix", "order 4947834880207956"],
  ["an invoice number that passes Luhn", "Invoice no. 4111111111111111"],
  ["a tracking number that passes Luhn", "tracking #: 5555555555554444"],
  ["a ten-digit order id with a trunk 0", "Order ID: 0858148376"],
  ["a ticket number in a French phone's layout", "ticket 01 23 45 67 89"],
  ["a reference in a British phone's layout", "ref: 020 7946 0958"],
  ["a part number behind a code label", "PN 012-3456-789"],
  ["eight digits in four dotted pairs (an IP address's shape)", "12.34.56.78"],
  ["eight digits behind the trunk 8 (a digit short)", "8 123 45 67"],
  ["a Chinese mobile a digit short", "138 0013 800"],
];

describe("formats people type", () => {
  it.for(FOUND)("redacts %s", ([, detector, value]) => {
    const result = redactText(`note: ${value} today`);
    expect(result.text).toBe(`note: ${value.slice(0, value.search(/[\d(+]/))}[REDACTED:${detector}] today`);
    expect(result.redactions).toEqual([{ detector, count: 1 }]);
  });

  it.for(LEFT)("leaves %s untouched", ([, text]) => {
    expect(redactText(`note: ${text} today`)).toEqual({ text: `note: ${text} today`, redactions: [] });
  });

  it("uses card numbers that pass the card checks for the labelled ids, so only the label keeps them", () => {
    for (const digits of ["4947834880207956", "4111111111111111", "5555555555554444"])
      expect(isCardNumber(digits)).toBe(true);
  });
});

describe("identifier labels", () => {
  const at = (text: string) => behindIdentifierLabel(text, text.search(/\d/));

  it("reads an id word with #, no., number or id and punctuation as a label, in any case", () => {
    for (const text of [
      "order 1",
      "ORDER #1",
      "Invoice no. 1",
      "invoice number: 1",
      "Tracking-1",
      "case id 1",
      "SKU-1",
    ])
      expect(at(text), text).toBe(true);
  });

  it("does not read the tail of a longer word, a label further back or a phone label as one", () => {
    for (const text of ["preorder 1", "reorder #1", "order for pat at 1", "TEL 1", "call 1", "1"])
      expect(at(text), text).toBe(false);
  });

  it("reads a long label whole, and not the tail of a long word ending in an id word", () => {
    expect(at(`${"x".repeat(40)} confirmation number : 1`)).toBe(true);
    expect(at(`${"x".repeat(40)}order 1`)).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { redactText, type DetectorName } from "../../src/redaction";
import { numberLabel } from "../../src/redaction/number-label";
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
  ["a card behind a brand in capitals, which is no part code", "payment_card", "VISA 4111111111111111"],
  ["a Spanish number written solid behind Tel.:", "phone", "Tel.: 961730736"],
  ["a North American number written solid behind mobile", "phone", "mobile 4155552671"],
  ["a Spanish number in 3-3-3 with dashes behind teléfono", "phone", "teléfono 999-493-308"],
  ["a British mobile written solid behind phone number:", "phone", "phone number: 07700900123"],
  ["an Italian mobile written solid behind call", "phone", "call 3471234567"],
  ["a number written solid behind TEL", "phone", "TEL 500872441"],
  ["a Japanese number behind 電話", "phone", "電話 312345678"],
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
  ["a solid run behind a word that only ends in a phone label", "hotel 4155552671"],
  ["seven digits behind a phone label (shorter than any number E.164 allows)", "tel 1234567"],
  ["a solid run with a phone label further back", "phone for the order 4155552671"],
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

describe("number labels", () => {
  const label = (text: string) => numberLabel(text, text.search(/\d/));

  it("reads an id word with #, no., number or id and punctuation as an identifier label, in any case", () => {
    for (const text of [
      "order 1",
      "ORDER #1",
      "Invoice no. 1",
      "invoice number: 1",
      "Tracking-1",
      "case id 1",
      "SKU-1",
    ])
      expect(label(text), text).toBe("identifier");
  });

  it("reads phone words with their punctuation as a phone label, in capitals too", () => {
    for (const text of ["Tel.: 1", "tel 1", "TEL 1", "Mobile #: 1", "teléfono 1", "phone number: 1", "fax-1"])
      expect(label(text), text).toBe("phone");
  });

  it("reads other capital codes as a code label", () => {
    for (const text of ["PN 1", "ABC-1", "VISA 1"]) expect(label(text), text).toBe("code");
  });

  it("reads no label from the tail of a longer word, a word further back or plain prose", () => {
    for (const text of ["preorder 1", "reorder #1", "hotel 1", "order for pat at 1", "see 1", "1"])
      expect(label(text), text).toBeUndefined();
  });

  it("reads a long label whole, and not the tail of a long word ending in a label word", () => {
    expect(label(`${"x".repeat(40)} confirmation number.: 1`)).toBe("identifier");
    expect(label(`${"x".repeat(40)}order 1`)).toBeUndefined();
  });
});

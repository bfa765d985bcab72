/**
 * The `payment_card` detector: 13 to 19 digits, bare or grouped by single spaces, dashes or dots (4-4-4-4…, Amex
 * 4-6-5, Diners 4-6-4; the separators may be mixed, as in `4111-1111 1111.1111`), that pass Luhn and start with a
 * known brand prefix (IIN range) at that brand's length. Unicode spaces, digits and invisible characters are folded
 * before (see fold.ts). A number written solid right behind an identifier label (`order 4947834880207956`, `invoice
 * no. …`, see number-label.ts) is that record's id: one random number in a hundred passes both the prefix and
 * the Luhn checks, so a label is what tells an order id from a card. A card grouped like a card is redacted whatever
 * stands before it.
 */
import { numberLabel } from "./number-label";
import type { Detector, Span } from "./types";

const CANDIDATE = /(?<![\w.-])\d[\d .-]{11,24}\d/g;

/** Luhn (mod 10) over a string of digits. */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The brand whose prefix and length these digits have, if any. */
export function cardBrand(digits: string): string | undefined {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  if (digits[0] === "4") return n === 13 || n === 16 || n === 19 ? "visa" : undefined;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16 ? "mastercard" : undefined;
  if (p2 === 34 || p2 === 37) return n === 15 ? "amex" : undefined;
  if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65) return n >= 16 ? "discover" : undefined;
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 ? "jcb" : undefined;
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38) return n >= 14 ? "diners" : undefined;
  if (p2 === 62) return n >= 16 ? "unionpay" : undefined;
  return undefined;
}

/** True for 13–19 digits with a brand prefix at the brand's length and a valid Luhn check digit. */
export function isCardNumber(digits: string): boolean {
  return digits.length >= 13 && digits.length <= 19 && cardBrand(digits) !== undefined && luhn(digits);
}

/** Group lengths a card is printed in: fours (the last group 1–4), or 4-6-5 / 4-6-4. */
function isCardLayout(lengths: number[]): boolean {
  if (lengths.length === 1) return true;
  const shape = lengths.join("-");
  if (shape === "4-6-5" || shape === "4-6-4") return true;
  return lengths.every((n, i) => (i === lengths.length - 1 ? n >= 1 && n <= 4 : n === 4));
}

/**
 * Finds card numbers; the number may end before a space (`4111 1111 1111 1111 12/27`) but not inside a longer run
 * of digits.
 */
export const cardDetector: Detector = {
  name: "payment_card",
  minLength: 13,
  mayMatch: (_, facts) => facts.numberDigits >= 13,
  find(text) {
    const spans: Span[] = [];
    CANDIDATE.lastIndex = 0;
    for (let match = CANDIDATE.exec(text); match; match = CANDIDATE.exec(text)) {
      const candidate = match[0];
      const after = match.index + candidate.length;
      const runsOn = /\w/.test(text[after] ?? "") || /^[-.]\d/.test(text.slice(after, after + 2));
      const parts = candidate.split(/([ .-])/);
      // parts: digits, sep, digits, sep, …; one separator between groups. Mixing kinds of separator does not hide a
      // card from a reader, so it does not hide it here: the layout, brand and Luhn checks still hold it to a card.
      let resumeAt = after;
      for (let last = parts.length - 1; last >= 0; last -= 2) {
        if (last === parts.length - 1 ? runsOn : parts[last + 1] !== " ") continue;
        const groups = parts.slice(0, last + 1).filter((_, i) => i % 2 === 0);
        if (groups.some((g) => g === "")) continue;
        const digits = groups.join("");
        if (!isCardLayout(groups.map((g) => g.length))) continue;
        if (!isCardNumber(digits)) {
          // A whole run printed like a card of a brand's length is one number: a failed check digit does not make
          // its first groups a shorter card.
          if (last === parts.length - 1 && cardBrand(digits) !== undefined) break;
          continue;
        }
        // Read only for a number that passed every check above, so a text of ids pays for no label.
        if (groups.length === 1 && numberLabel(text, match.index) === "identifier") break;
        const end = match.index + parts.slice(0, last + 1).join("").length;
        spans.push({ start: match.index, end });
        resumeAt = end;
        break;
      }
      // A decimal or version before a space (`12.5 4111 1111 1111 1111`) is not part of the card that follows.
      const space = candidate.indexOf(" ");
      if (resumeAt === after && space > 0 && candidate.lastIndexOf(".", space) > 0) resumeAt = match.index + space + 1;
      CANDIDATE.lastIndex = resumeAt;
    }
    return spans;
  },
};

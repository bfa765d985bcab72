/**
 * The `iban` detector: a country code, two check digits and the BBAN, exactly the length that country's IBAN has,
 * written compact or in groups of four separated by single spaces, dots or dashes (one kind throughout), whose mod-97
 * remainder is 1.
 */
import type { Detector, Span } from "./types";

/** IBAN length per country (SWIFT IBAN registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HN: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

const CANDIDATE = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}[A-Za-z0-9 .-]{10,41}/g;
/** What may separate the groups of four. */
const GROUP_SEPARATORS = " .-";
const ALNUM = /[A-Za-z0-9]/;
const IBAN_FORMAT = /^[A-Z]{2}\d{2}[A-Z0-9]+$/;

/** The remainder mod 97 of the IBAN read as digits after moving its first four characters to the end. */
export function ibanRemainder(iban: string): number {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const code = rearranged.charCodeAt(i);
    // Digits count as themselves, letters as 10..35 (two digits).
    const value = code <= 57 ? code - 48 : (code | 32) - 87;
    remainder = value < 10 ? (remainder * 10 + value) % 97 : (remainder * 100 + value) % 97;
  }
  return remainder;
}

/**
 * Finds IBANs; the characters after one must not continue it (a space and another word may). One in the right
 * layout and length whose check digits are wrong is returned as rejected, so its groups are not redacted as
 * something else.
 */
export const ibanDetector: Detector = {
  name: "iban",
  // Norway's IBAN, the shortest.
  minLength: 15,
  mayMatch: (_, facts) => facts.digits >= 4,
  find(text) {
    const spans: Span[] = [];
    CANDIDATE.lastIndex = 0;
    for (let match = CANDIDATE.exec(text); match; match = CANDIDATE.exec(text)) {
      const candidate = match[0];
      const length = IBAN_LENGTHS[candidate.slice(0, 2).toUpperCase()];
      CANDIDATE.lastIndex = match.index + 2;
      if (length === undefined) continue;
      const separator = candidate[4]!;
      const grouped = GROUP_SEPARATORS.includes(separator);
      // Compact: the next `length` characters. Grouped: fours after single separators, the last group 1–4.
      const width = grouped ? length + Math.ceil(length / 4) - 1 : length;
      const written = candidate.slice(0, width);
      const groups = grouped ? written.split(separator) : [written];
      const compact = groups.join("");
      if (written.length !== width || compact.length !== length) continue;
      if (!groups.every((g, i) => (grouped ? g.length === 4 || (i === groups.length - 1 && g.length > 0) : true)))
        continue;
      const end = match.index + width;
      // A grouped number that goes on with more digits is longer than this country's IBAN.
      const continues =
        ALNUM.test(text[end] ?? "") || (grouped && text[end] === separator && /\d/.test(text[end + 1] ?? ""));
      const upper = compact.toUpperCase();
      if (continues || !IBAN_FORMAT.test(upper)) continue;
      spans.push(
        ibanRemainder(upper) === 1 ? { start: match.index, end } : { start: match.index, end, rejected: true },
      );
      CANDIDATE.lastIndex = end;
    }
    return spans;
  },
};

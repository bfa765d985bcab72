/**
 * The `us_ssn` detector: `123-45-6789`, `123 45 6789` or `123.45.6789` (one separator, used twice) whose parts the
 * SSA could issue. Unicode spaces, digits and invisible characters are folded before (see fold.ts).
 * Nine bare digits are not searched in text (zip+4 codes and ids look the same); redact() checks them only in a
 * value whose key names an SSN (see SSN_KEY).
 */
import type { Detector, Span } from "./types";

const CANDIDATE = /(?<![\w.-])(\d{3})([-. ])(\d{2})([-. ])(\d{4})(?![\w])/g;

/** Keys under which nine bare digits are read as an SSN: `ssn`, `customer_ssn`, `socialSecurityNumber`, … */
export const SSN_KEY = /(?:^|[^a-z])ssn|ssn(?:$|[^a-z])|social.?security/i;

/** SSA rules: area not 000, 666 or 900–999; group not 00; serial not 0000. */
export function isIssuableSsn(area: string, group: string, serial: string): boolean {
  return area !== "000" && area !== "666" && area[0] !== "9" && group !== "00" && serial !== "0000";
}

/** True for nine digits that make an issuable SSN. */
export function isBareSsn(digits: string): boolean {
  return /^\d{9}$/.test(digits) && isIssuableSsn(digits.slice(0, 3), digits.slice(3, 5), digits.slice(5));
}

/** Finds SSNs in the two written formats, not as part of a longer run of grouped digits. */
export const ssnDetector: Detector = {
  name: "us_ssn",
  minLength: 11,
  mayMatch: (_, facts) => facts.numberDigits >= 9,
  find(text) {
    const spans: Span[] = [];
    CANDIDATE.lastIndex = 0;
    for (let match = CANDIDATE.exec(text); match; match = CANDIDATE.exec(text)) {
      const [whole, area, sep, group, sep2, serial] = match as unknown as [
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      if (sep !== sep2 || !isIssuableSsn(area, group, serial)) continue;
      const end = match.index + whole.length;
      // `123 45 6789 0`, `12 123 45 6789` or `123-45-6789-0` continue a longer number grouped the same way; a number
      // beside a dashed SSN (`agent/1.0 123-45-6789`) does not make it part of one.
      if (text[end] === sep && /\d/.test(text[end + 1] ?? "")) continue;
      if (sep === " " && match.index >= 2 && /\d $/.test(text.slice(match.index - 2, match.index))) continue;
      spans.push({ start: match.index, end });
    }
    return spans;
  },
};

/** The `email` detector: a local part, `@`, and a domain with at least one dot and an alphabetic TLD. */
import type { Detector, Span } from "./types";

// Bounded runs of one character class each: the scan is linear, the shape is checked in code.
const CANDIDATE = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{3,253}/g;
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const TLD = /^[A-Za-z]{2,24}$/;

/** True for a domain of 2 to 127 valid labels whose last label is alphabetic. */
function isDomain(domain: string): boolean {
  const labels = domain.split(".");
  if (labels.length < 2 || labels.length > 127) return false;
  if (!TLD.test(labels[labels.length - 1]!)) return false;
  return labels.every((label) => LABEL.test(label));
}

/** Finds email addresses; a trailing dot or hyphen (end of a sentence) is not part of the address. */
export const emailDetector: Detector = {
  name: "email",
  // a@b.cd
  minLength: 6,
  mayMatch: (_, facts) => facts.at,
  find(text) {
    const spans: Span[] = [];
    CANDIDATE.lastIndex = 0;
    for (let match = CANDIDATE.exec(text); match; match = CANDIDATE.exec(text)) {
      const candidate = match[0];
      const at = candidate.indexOf("@");
      const local = candidate.slice(0, at);
      let domain = candidate.slice(at + 1);
      while (domain.endsWith(".") || domain.endsWith("-")) domain = domain.slice(0, -1);
      if (local.startsWith(".") || local.endsWith(".") || local.includes("..") || !isDomain(domain)) continue;
      spans.push({ start: match.index, end: match.index + at + 1 + domain.length });
    }
    return spans;
  },
};

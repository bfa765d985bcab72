/** Redaction of one string: run the detectors, merge overlapping matches, replace each by `[REDACTED:<detector>]`. */
import { detectorsFor } from "./detectors";
import { foldText, mayFold } from "./fold";
import type { Detector, RedactOptions, RedactTextResult, Span, TextFacts } from "./types";

/** The text that replaces a match or a value. */
export const replacement = (detector: string) => `[REDACTED:${detector}]`;

/** Default for RedactOptions.maxChars. */
export const DEFAULT_MAX_CHARS = 1_000_000;

interface Hit {
  start: number;
  end: number;
  /** Index in the detector list: lower wins when matches overlap. */
  rank: number;
}

/** Space ( ) + - and . : the characters phones, cards and SSNs are grouped with. */
const isDigitGrouping = (code: number) =>
  code === 32 || code === 40 || code === 41 || code === 43 || code === 45 || code === 46;

/**
 * `\w`, `.` or `-`: a digit right after one of these continues a word or a number, so no phone, card or SSN match
 * starts there (their candidates' look-behinds).
 */
const continuesNumber = (code: number) =>
  (code >= 48 && code <= 57) || ((code | 32) >= 97 && (code | 32) <= 122) || code === 95 || code === 45 || code === 46;

/**
 * One pass over `text` for the facts every built-in prefilter reads, so a detector that cannot match costs no scan.
 * @example textFacts("call 415-555-2671 or a@b.io") // { digits: 10, numberDigits: 10, at: true, fold: false }
 */
export function textFacts(text: string): TextFacts {
  let digits = 0;
  let numberDigits = 0;
  // Digits of the current grouped run from its first digit that starts a number; -1 while none has.
  let run = -1;
  let previous = 32;
  let at = false;
  let fold = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // Letters first: they are most of any text. ASCII letters pay one comparison for the Unicode check.
    if (code > 64) {
      run = -1;
      if (code > 127 && !fold) fold = mayFold(code);
    } else if (code >= 48 && code <= 57) {
      digits++;
      if (run < 0 && !continuesNumber(previous)) run = 0;
      if (run >= 0 && ++run > numberDigits) numberDigits = run;
    } else if (code === 64) {
      at = true;
      run = -1;
    } else if (!isDigitGrouping(code)) run = -1;
    previous = code;
  }
  return { digits, numberDigits, at, fold };
}

/** A scanned text with its matches replaced, and how many matches each detector replaced. */
export interface Scanned {
  text: string;
  counts: Map<string, number>;
}

/**
 * Scans `text` with `detectors`; undefined when nothing matched (the common case, so no copy is made). Matches that
 * overlap become one replacement named after the highest-priority detector among them, so no part of either leaks.
 * A text with Unicode spaces, digits, dashes, dots or invisible characters is scanned folded (see foldText), and each
 * match replaces the original characters it came from.
 */
export function scanText(original: string, detectors: readonly Detector[]): Scanned | undefined {
  let text = original;
  let offsets: Uint32Array | number[] | undefined;
  let facts: TextFacts | undefined;
  let hits: Hit[] | undefined;
  let rejected: Span[] | undefined;
  for (let rank = 0; rank < detectors.length; rank++) {
    const detector = detectors[rank]!;
    if (text.length < detector.minLength) continue;
    if (!facts) {
      facts = textFacts(text);
      const folded = facts.fold ? foldText(text) : undefined;
      if (folded) {
        ({ text, offsets } = folded);
        facts = textFacts(text);
        // Folding only shortens: detectors skipped so far stay skipped.
        if (text.length < detector.minLength) continue;
      }
    }
    if (!detector.mayMatch(text, facts)) continue;
    for (const span of detector.find(text)) {
      if (rejected?.some((r) => span.start < r.end && r.start < span.end)) continue;
      if (span.rejected) (rejected ??= []).push(span);
      else (hits ??= []).push({ start: span.start, end: span.end, rank });
    }
  }
  if (!hits) return undefined;
  hits.sort((a, b) => a.start - b.start || b.end - a.end);
  const counts = new Map<string, number>();
  let out = "";
  let cursor = 0;
  for (let i = 0; i < hits.length;) {
    let { start, end, rank } = hits[i]!;
    for (i++; i < hits.length && hits[i]!.start < end; i++) {
      end = Math.max(end, hits[i]!.end);
      rank = Math.min(rank, hits[i]!.rank);
    }
    const name = detectors[rank]!.name;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    if (offsets) {
      start = offsets[start]!;
      end = offsets[end]!;
    }
    out += original.slice(cursor, start) + replacement(name);
    cursor = end;
  }
  return { text: out + original.slice(cursor), counts };
}

/**
 * Redacts one string. A text longer than `maxChars` is replaced whole by `[REDACTED:size_limit]`.
 * @example redactText("mail pat@example.com") // { text: "mail [REDACTED:email]", redactions: [{ detector: "email", count: 1 }] }
 */
export function redactText(text: string, options: RedactOptions = {}): RedactTextResult {
  if (text.length > (options.maxChars ?? DEFAULT_MAX_CHARS))
    return { text: replacement("size_limit"), redactions: [{ detector: "size_limit", count: 1 }] };
  const scanned = scanText(text, detectorsFor(options));
  if (!scanned) return { text, redactions: [] };
  return { text: scanned.text, redactions: [...scanned.counts].map(([detector, count]) => ({ detector, count })) };
}

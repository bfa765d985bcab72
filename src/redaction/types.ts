/** Shared shapes of the redaction engine: detector names, matches, options and results. */

/** The built-in detectors, in the order they win when two matches overlap. */
export const DETECTOR_NAMES = ["secret", "iban", "payment_card", "us_ssn", "email", "phone"] as const;

/** A built-in detector's name. */
export type DetectorName = (typeof DETECTOR_NAMES)[number];

/** A match: `[start, end)` offsets into the scanned text. */
export interface Span {
  start: number;
  end: number;
  /**
   * Written in the detector's format but failed its check (an IBAN with a wrong check digit): not redacted, and no
   * lower-priority detector may match inside it, so a mistyped IBAN's groups are not read as a phone or a card.
   */
  rejected?: boolean;
}

/** What one pass over a text learns before any detector runs, so detectors that cannot match are skipped. */
export interface TextFacts {
  /** ASCII digits in the text. */
  digits: number;
  /**
   * The most ASCII digits in one run of digits, spaces, `(`, `)`, `.`, `+` and `-` (how phones, cards and SSNs are
   * written), counted from the run's first digit that starts a number: one not right after a letter, digit, `_`, `.`
   * or `-`, where none of those detectors starts a match (`ORD-2024-031752` has none).
   */
  numberDigits: number;
  /** Whether the text contains `@`. */
  at: boolean;
  /** Whether the text may hold a character foldText changes (Unicode space, digit, dash or dot, invisible character). */
  fold: boolean;
}

/** A detector: a cheap prefilter that may say "cannot match", and a scan that returns validated spans. */
export interface Detector {
  /** `email`, `phone`, … or `custom:<name>`: the label in `[REDACTED:<detector>]` and in the redaction list. */
  readonly name: string;
  /** No match is shorter than this, so shorter texts (most keys and codes) are not looked at. */
  readonly minLength: number;
  /** False when the text cannot contain a match, judged from `facts` (see textFacts) and the text itself. */
  mayMatch(text: string, facts: TextFacts): boolean;
  /** Every validated match (and, for some detectors, every rejected look-alike), left to right. */
  find(text: string): Span[];
}

/** A custom pattern that passed compileCustomPattern's safety checks. */
export interface CustomPattern {
  readonly source: string;
  /** Global (`g`), so scans must reset `lastIndex`; never share it across concurrent scans. */
  readonly regex: RegExp;
}

/** A custom pattern with the name it reports under (`custom:<name>`). */
export interface NamedPattern {
  name: string;
  pattern: CustomPattern;
}

/** What to look for and how much work to accept. */
export interface RedactOptions {
  /** Built-in detectors to run; default: all of DETECTOR_NAMES. */
  detectors?: readonly DetectorName[];
  /** Custom patterns from a policy row, each compiled with compileCustomPattern. */
  custom?: readonly NamedPattern[];
  /** Property names whose values are copied untouched (exact, case-sensitive), e.g. `["order_id"]`. */
  skipKeys?: readonly string[];
  /** Nesting below this depth is replaced whole by `[REDACTED:depth_limit]`; default 32. */
  maxDepth?: number;
  /**
   * Characters scanned per call (string leaves, keys, one per node); default 1,000,000. Every string or number
   * reached after the budget is spent is replaced whole by `[REDACTED:size_limit]`: past the limit nothing is
   * scanned and nothing is let through.
   */
  maxChars?: number;
}

/** One line of the redaction record: at this path, this detector replaced `count` matches. */
export interface Redaction {
  path: string;
  detector: string;
  count: number;
}

/** redact()'s answer: a redacted deep copy and what was replaced where. */
export interface RedactResult {
  value: unknown;
  redactions: Redaction[];
}

/** redactText()'s answer: the redacted text and how many matches each detector replaced. */
export interface RedactTextResult {
  text: string;
  redactions: { detector: string; count: number }[];
}

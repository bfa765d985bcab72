/**
 * Structure-aware redaction of JSON values. Paths are JSONPath-style: `$` for the root, `.name` for identifier
 * keys, `["first name"]` for other keys, `[2]` for array items (`$.customer.emails[2]`).
 *
 * Strings are scanned by every enabled detector, object keys too (a redacted key is renamed, with ` #2`, ` #3`, …
 * if two keys redact alike). Integers are checked as card numbers, and as bare 9-digit SSNs under a key naming an
 * SSN; a redacted number becomes a string. Phones, emails, IBANs and secrets cannot be JSON numbers.
 */
import { DEFAULT_DETECTORS, detectorsFor } from "./detectors";
import { foldText } from "./fold";
import { isCardNumber } from "./payment-card";
import { DEFAULT_MAX_CHARS, replacement, scanText, type Scanned } from "./text";
import type { Detector, Redaction, RedactOptions, RedactResult } from "./types";
import { isBareSsn, SSN_KEY } from "./us-ssn";

/** Default for RedactOptions.maxDepth. */
export const DEFAULT_MAX_DEPTH = 32;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Thrown inside a walk when the character budget is spent; redact() turns it into a whole replacement. */
class SizeLimit {}

/** What the walk learned about one property name: names repeat across a payload's objects, so each is read once. */
interface KeyFacts {
  /** The name with its matches replaced; undefined when it holds none. */
  scanned: Scanned | undefined;
  /** The name names an SSN (SSN_KEY), so nine bare digits under it are one. */
  ssn: boolean;
}

/**
 * What the built-in detectors found in property names, kept across calls: payloads of one tool repeat the same
 * names, so each is scanned once, not once per call. Bounded, since names come from callers.
 */
const DEFAULT_KEYS = new Map<string, KeyFacts>();
const MAX_SHARED_KEYS = 4096;
const MAX_SHARED_KEY_LENGTH = 128;

interface Walk {
  detectors: readonly Detector[];
  cards: boolean;
  ssns: boolean;
  skipKeys: ReadonlySet<string>;
  maxDepth: number;
  budget: number;
  redactions: Redaction[];
  /** Keys and indexes from the root to the value being walked; the path string is built only for a redaction. */
  path: (string | number)[];
  /** Facts of the names seen: DEFAULT_KEYS when the detectors are DEFAULT_DETECTORS, else this call's own. */
  keys: Map<string, KeyFacts>;
}

function pathOf(walk: Walk): string {
  let path = "$";
  for (const segment of walk.path)
    path +=
      typeof segment === "number"
        ? `[${segment}]`
        : IDENTIFIER.test(segment)
          ? `.${segment}`
          : `[${JSON.stringify(segment)}]`;
  return path;
}

function spend(walk: Walk, chars: number): void {
  walk.budget -= chars;
  if (walk.budget < 0) throw new SizeLimit();
}

function record(walk: Walk, counts: Map<string, number>): void {
  const path = pathOf(walk);
  for (const [detector, count] of counts) walk.redactions.push({ path, detector, count });
}

function keyFacts(walk: Walk, key: string): KeyFacts {
  let facts = walk.keys.get(key);
  if (!facts) {
    facts = { scanned: scanText(key, walk.detectors), ssn: walk.ssns && SSN_KEY.test(key) };
    if (walk.keys !== DEFAULT_KEYS) walk.keys.set(key, facts);
    else if (key.length <= MAX_SHARED_KEY_LENGTH) {
      if (DEFAULT_KEYS.size >= MAX_SHARED_KEYS) DEFAULT_KEYS.clear();
      DEFAULT_KEYS.set(key, facts);
    }
  }
  return facts;
}

function redactDigits(walk: Walk, digits: string, ssnKey: boolean): string | undefined {
  const detector =
    walk.cards && digits.length >= 13 && isCardNumber(digits)
      ? "payment_card"
      : ssnKey && isBareSsn(digits.padStart(9, "0"))
        ? "us_ssn"
        : undefined;
  if (!detector) return undefined;
  walk.redactions.push({ path: pathOf(walk), detector, count: 1 });
  return replacement(detector);
}

function redactString(walk: Walk, text: string, ssnKey: boolean): string {
  spend(walk, text.length);
  if (ssnKey) {
    // Short values only: folding (zero-width characters, fullwidth digits) costs a pass a long text does not need.
    const bare = (text.length <= 64 ? (foldText(text)?.text ?? text) : text).trim();
    if (bare.length === 9 && isBareSsn(bare)) {
      walk.redactions.push({ path: pathOf(walk), detector: "us_ssn", count: 1 });
      return replacement("us_ssn");
    }
  }
  const scanned = scanText(text, walk.detectors);
  if (!scanned) return text;
  record(walk, scanned.counts);
  return scanned.text;
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // A plain assignment to "__proto__" would set the prototype instead of copying the property.
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Walks `value`, found under `key` (a name that names an SSN when `ssnKey`) at `walk.path`. */
function walkValue(
  walk: Walk,
  value: unknown,
  key: string | undefined,
  ssnKey: boolean,
  depth: number,
  scan: boolean,
): unknown {
  switch (typeof value) {
    case "string":
      return scan ? redactString(walk, value, ssnKey) : (spend(walk, value.length), value);
    case "number":
      if (!scan || !Number.isSafeInteger(value) || value < 0) return value;
      // A card has 13 or more digits and a bare SSN 9 or fewer: other numbers are never turned into text.
      if (value < 1e12 && !(ssnKey && value < 1e9)) return value;
      return redactDigits(walk, String(value), ssnKey) ?? value;
    case "bigint":
      if (!scan || value < 0n) return value;
      return redactDigits(walk, value.toString(), ssnKey) ?? value;
    case "object":
      break;
    default:
      return value;
  }
  if (value === null) return null;
  spend(walk, 1);
  if (depth >= walk.maxDepth) {
    walk.redactions.push({ path: pathOf(walk), detector: "depth_limit", count: 1 });
    return replacement("depth_limit");
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return walkValue(walk, toJSON.call(value, key ?? ""), key, ssnKey, depth, scan);
  if (Array.isArray(value))
    return value.map((item, i) => {
      walk.path.push(i);
      const out = walkValue(walk, item, undefined, false, depth + 1, scan);
      walk.path.pop();
      return out;
    });
  const out: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  for (const entryKey of Object.keys(source)) {
    const entryValue = source[entryKey];
    let outKey = entryKey;
    spend(walk, entryKey.length);
    const facts = scan ? keyFacts(walk, entryKey) : undefined;
    const scannedKey = facts?.scanned;
    if (scannedKey) {
      outKey = scannedKey.text;
      for (let n = 2; Object.hasOwn(out, outKey) || Object.hasOwn(value, outKey); n++)
        outKey = `${scannedKey.text} #${n}`;
    }
    walk.path.push(outKey);
    if (scannedKey) record(walk, scannedKey.counts);
    const childScan = scan && !walk.skipKeys.has(entryKey);
    setOwn(out, outKey, walkValue(walk, entryValue, entryKey, facts?.ssn ?? false, depth + 1, childScan));
    walk.path.pop();
  }
  return out;
}

/**
 * Returns a redacted deep copy of a JSON value and where each detector fired; the input is never changed.
 * Containers nested deeper than `maxDepth` become `[REDACTED:depth_limit]`. If the value holds more than
 * `maxChars` characters, the whole value becomes `[REDACTED:size_limit]` (one redaction at `$`): nothing past the
 * budget is scanned and nothing is let through unscanned.
 * @example
 * redact({ customer: { emails: ["a@x.io", "pat@example.com"] } })
 * // value: { customer: { emails: ["[REDACTED:email]", "[REDACTED:email]"] } }
 * // redactions: [{ path: "$.customer.emails[0]", detector: "email", count: 1 }, { path: "$.customer.emails[1]", … }]
 */
export function redact(value: unknown, options: RedactOptions = {}): RedactResult {
  const detectors = detectorsFor(options);
  const names = new Set(detectors.map((d) => d.name));
  const walk: Walk = {
    detectors,
    cards: names.has("payment_card"),
    ssns: names.has("us_ssn"),
    skipKeys: new Set(options.skipKeys ?? []),
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
    budget: options.maxChars ?? DEFAULT_MAX_CHARS,
    redactions: [],
    path: [],
    keys: detectors === DEFAULT_DETECTORS ? DEFAULT_KEYS : new Map(),
  };
  try {
    return { value: walkValue(walk, value, undefined, false, 0, true), redactions: walk.redactions };
  } catch (error) {
    if (!(error instanceof SizeLimit)) throw error;
    return { value: replacement("size_limit"), redactions: [{ path: "$", detector: "size_limit", count: 1 }] };
  }
}

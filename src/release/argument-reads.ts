/**
 * Which arguments a condition may read, judged from its source: named top-level keys (`args.amount_cents`,
 * `args["amount_cents"]`), or all of them when it uses `args` any other way (`size(args)`, `args[key]`). It errs
 * towards "may read": replay calls a decision indeterminate on it, and a false "may read" only costs a certainty.
 */

/** The top-level argument keys a condition may read; `all` when it may read any. */
export type ArgumentReads = { all: true } | { all: false; keys: ReadonlySet<string> };

const NOTHING: ArgumentReads = { all: false, keys: new Set() };
const EVERYTHING: ArgumentReads = { all: true };

const MENTION = /\bargs\b/g;
const BY_DOT = /^args\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)/;
const BY_INDEX = /^args\s*\[\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\]/;

/**
 * The arguments a CEL condition may read.
 * @example argumentReads('args.amount_cents > 500 && args["note"] != ""') // { all: false, keys: {amount_cents, note} }
 * @example argumentReads("size(args) > 3") // { all: true }
 */
export function argumentReads(condition: string): ArgumentReads {
  if (condition.trim() === "") return NOTHING;
  const keys = new Set<string>();
  for (const mention of condition.matchAll(MENTION)) {
    const rest = condition.slice(mention.index);
    const dot = BY_DOT.exec(rest);
    if (dot) {
      keys.add(dot[1]!);
      continue;
    }
    const index = BY_INDEX.exec(rest);
    const literal = index?.[1] ?? index?.[2];
    if (literal === undefined || literal.includes("\\")) return EVERYTHING;
    keys.add(literal);
  }
  return { all: false, keys };
}

/** The top-level key a redaction path (`$.customer.email`, `$["a b"][0]`) is under; null when that key is unknown. */
export function topLevelKey(path: string): string | null {
  const dot = /^\$\.([A-Za-z_$][A-Za-z0-9_$]*)/.exec(path);
  if (dot) return redactedName(dot[1]!) ? null : dot[1]!;
  const quoted = /^\$\[("(?:[^"\\]|\\.)*")\]/.exec(path);
  if (!quoted) return null;
  try {
    const key = JSON.parse(quoted[1]!) as string;
    return redactedName(key) ? null : key;
  } catch {
    return null;
  }
}

/** A key that redaction rewrote (PII in a property name): the original name is unknown. */
const redactedName = (key: string) => key.includes("[REDACTED:");

/** Whether a condition that reads `reads` may read a value at one of `redacted` paths. */
export function readsRedacted(reads: ArgumentReads, redacted: readonly string[]): boolean {
  if (redacted.length === 0) return false;
  if (reads.all) return true;
  if (reads.keys.size === 0) return false;
  for (const path of redacted) {
    const key = topLevelKey(path);
    if (key === null || reads.keys.has(key)) return true;
  }
  return false;
}

import type { JsonValue } from "../ledger/canonical";

/** Text values in stored and shown arguments are cut to this many characters. */
export const MAX_ARGUMENT_STRING = 200;

/** Keys whose values are never stored or shown, whatever redaction says later. */
const CREDENTIAL_KEY = /pass(word)?|secret|token|api[_-]?key|authori[sz]ation|cookie|private[_-]?key|credential/i;

/** How deep shown arguments nest; deeper containers are cut (the pipeline refuses arguments deeper than 32). */
export const MAX_SHOWN_DEPTH = 32;

/**
 * Arguments as they may be stored and shown before redaction exists: every text value longer than
 * {@link MAX_ARGUMENT_STRING} characters is cut, values under credential-like keys are hidden, and containers nested
 * deeper than {@link MAX_SHOWN_DEPTH} are cut, so a stored value read back can never exhaust the stack.
 */
export function argumentsForPage(value: unknown): JsonValue {
  return shown(value, "", 0);
}

function shown(value: unknown, key: string, depth: number): JsonValue {
  if (key && CREDENTIAL_KEY.test(key)) return "[hidden: the key looks like a credential]";
  // Cut to exactly the limit, so cutting what was stored already changes nothing.
  if (typeof value === "string")
    return value.length > MAX_ARGUMENT_STRING ? `${value.slice(0, MAX_ARGUMENT_STRING - 1)}…` : value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "boolean" || value === null) return value;
  if (typeof value !== "object") return null;
  if (depth >= MAX_SHOWN_DEPTH) return "[cut: nested too deep]";
  if (Array.isArray(value)) return value.map((item) => shown(item, "", depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shown(v, k, depth + 1)]));
}

import type { JsonValue } from "../ledger/canonical";

/** Text values in stored and shown arguments are cut to this many characters. */
export const MAX_ARGUMENT_STRING = 200;

/** Keys whose values are never stored or shown, whatever redaction says later. */
const CREDENTIAL_KEY = /pass(word)?|secret|token|api[_-]?key|authori[sz]ation|cookie|private[_-]?key|credential/i;

/**
 * Arguments as they may be stored and shown before redaction exists: every text value longer than
 * {@link MAX_ARGUMENT_STRING} characters is cut, and values under credential-like keys are hidden.
 */
export function argumentsForPage(value: unknown, key = ""): JsonValue {
  if (key && CREDENTIAL_KEY.test(key)) return "[hidden: the key looks like a credential]";
  // Cut to exactly the limit, so cutting what was stored already changes nothing.
  if (typeof value === "string")
    return value.length > MAX_ARGUMENT_STRING ? `${value.slice(0, MAX_ARGUMENT_STRING - 1)}…` : value;
  if (typeof value === "number" || typeof value === "boolean" || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => argumentsForPage(item));
  if (typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, argumentsForPage(v, k)]));
  return null;
}

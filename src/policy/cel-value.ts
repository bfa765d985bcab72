/** Deepest level copied by toCelValue; anything deeper becomes null. */
export const CEL_VALUE_MAX_DEPTH = 100;

/**
 * A copy of a JSON-like value that the CEL interpreter reads whatever its keys: objects become Maps (an own
 * `constructor` key on a plain object defeats the interpreter's type detection), non-JSON values become null.
 */
export function toCelValue(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean" || typeof value === "bigint")
    return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value !== "object" || depth >= CEL_VALUE_MAX_DEPTH) return null;
  if (Array.isArray(value)) return value.map((item) => toCelValue(item, depth + 1));
  const copy = new Map<string, unknown>();
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  for (const [key, member] of entries) {
    if (typeof key === "string" && member !== undefined) copy.set(key, toCelValue(member, depth + 1));
  }
  return copy;
}

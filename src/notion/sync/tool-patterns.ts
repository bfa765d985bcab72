import { isValidToolPattern, splitToolPatterns } from "../../policy";

/** Tool patterns from a text cell: the list, or why it is not one. Blank gives `fallback` when there is one. */
export function toolPatterns(
  column: string,
  text: string,
  fallback?: string[],
): { ok: true; patterns: string[] } | { ok: false; reason: string } {
  const patterns = [...new Set(splitToolPatterns(text))];
  if (patterns.length === 0)
    return fallback
      ? { ok: true, patterns: fallback }
      : { ok: false, reason: `${column}: is empty; list tool patterns such as payments.*` };
  const bad = patterns.find((pattern) => !isValidToolPattern(pattern));
  if (bad !== undefined)
    return {
      ok: false,
      reason: `${column}: "${bad}" is not a valid tool pattern; use letters, digits, _ - . and the wildcards * and ?`,
    };
  return { ok: true, patterns };
}

/**
 * Tool patterns: globs over `host.tool` names where `*` matches any run of characters (dots included, possibly none)
 * and `?` exactly one; everything else matches itself, case-sensitively. Matching uses no regex: a greedy walk that
 * backs up only to the last `*` takes at most pattern × name steps, so no pattern can stall a call.
 */

const PATTERN_CHARS = /^[A-Za-z0-9_.*?-]+$/;
const HOST_WILDCARD = /^([A-Za-z0-9_-]+)\.\*$/;

/** How a pattern is indexed: an exact name, every tool of one host, or a general glob. */
export type ToolPattern =
  { kind: "exact"; name: string } | { kind: "host"; host: string } | { kind: "glob"; source: string };

/** Splits a Tools cell on commas and newlines, trimming blanks. */
export function splitToolPatterns(text: string): string[] {
  return text
    .split(/[,\n\r]/)
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/** True when the pattern uses only letters, digits and `_ - . * ?`. */
export function isValidToolPattern(pattern: string): boolean {
  return PATTERN_CHARS.test(pattern);
}

/** Classifies a valid pattern for the tool index. */
export function toToolPattern(pattern: string): ToolPattern {
  if (!pattern.includes("*") && !pattern.includes("?")) return { kind: "exact", name: pattern };
  const host = HOST_WILDCARD.exec(pattern)?.[1];
  if (host !== undefined) return { kind: "host", host };
  return { kind: "glob", source: pattern };
}

/**
 * Whether the whole of `name` matches the glob `pattern`, in O(pattern × name) steps at worst. On a mismatch after a
 * `*`, that star takes one more character and the walk resumes just past it; earlier stars never need revisiting,
 * because the later star can absorb whatever they would have. Characters are compared as UTF-16 code units.
 */
export function wildcardMatch(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let starName = 0;
  while (n < name.length) {
    const c = pattern[p];
    if (c === "*") {
      star = p++;
      starName = n;
    } else if (c !== undefined && (c === "?" || c === name[n])) {
      p++;
      n++;
    } else if (star >= 0) {
      p = star + 1;
      n = ++starName;
    } else return false;
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/** Whether a tool name matches a pattern. */
export function matchesToolPattern(pattern: ToolPattern, toolName: string): boolean {
  switch (pattern.kind) {
    case "exact":
      return pattern.name === toolName;
    case "host":
      return toolName.startsWith(`${pattern.host}.`);
    case "glob":
      return wildcardMatch(pattern.source, toolName);
  }
}

/** The host part of a `host.tool` name (everything before the first dot). */
export function hostOf(toolName: string): string {
  const dot = toolName.indexOf(".");
  return dot < 0 ? toolName : toolName.slice(0, dot);
}

/** Whether a tool name matches a pattern given as text; an invalid pattern matches nothing. */
export function matchesGlob(pattern: string, toolName: string): boolean {
  if (!isValidToolPattern(pattern)) return false;
  return matchesToolPattern(toToolPattern(pattern), toolName);
}

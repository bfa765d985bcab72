/** Tool patterns: globs over `host.tool` names where `*` matches any run of characters and `?` one character. */

const PATTERN_CHARS = /^[A-Za-z0-9_.*?-]+$/;
const HOST_WILDCARD = /^([A-Za-z0-9_-]+)\.\*$/;

/** How a pattern is indexed: an exact name, every tool of one host, or a general glob. */
export type ToolPattern =
  { kind: "exact"; name: string } | { kind: "host"; host: string } | { kind: "glob"; source: string; regex: RegExp };

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
  return { kind: "glob", source: pattern, regex: globToRegExp(pattern) };
}

/** An anchored RegExp equivalent to a valid pattern. */
export function globToRegExp(pattern: string): RegExp {
  let body = "";
  for (const char of pattern) {
    if (char === "*") body += ".*";
    else if (char === "?") body += ".";
    else if (char === "." || char === "-") body += `\\${char}`;
    else body += char;
  }
  return new RegExp(`^${body}$`, "s");
}

/** Whether a tool name matches a pattern. */
export function matchesToolPattern(pattern: ToolPattern, toolName: string): boolean {
  switch (pattern.kind) {
    case "exact":
      return pattern.name === toolName;
    case "host":
      return toolName.startsWith(`${pattern.host}.`);
    case "glob":
      return pattern.regex.test(toolName);
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

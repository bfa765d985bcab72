/**
 * Regexes from upstream tool schemas, run on RE2 (re2js), whose matching time is linear in the text: an agent chooses
 * the text, so a backtracking engine would let one short string stall the Worker. A schema's `pattern` is ECMAScript
 * syntax read with the `u` flag; it is translated so that RE2 gives the same answer (`.`, `\s`, `\uXXXX`, `[]`, ...),
 * and refused with a reason when RE2 cannot (lookaround, backreference, inline modifiers) or it is not valid at all.
 */
import { RE2JS } from "re2js";

/** The longest schema regex compiled, in characters; longer ones are refused before any work. */
export const MAX_SCHEMA_PATTERN_LENGTH = 2_000;

/** A schema regex ready to run in linear time, or why it cannot be. */
export type SchemaRegex = { ok: true; test: (text: string) => boolean } | { ok: false; reason: string };

// JavaScript's \s: the Unicode White_Space characters plus U+FEFF. RE2's \s is ASCII only.
const SPACE =
  "\\t\\n\\v\\f\\r \\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}";
// JavaScript's `.` without the s flag stops at every line terminator; RE2's only at \n.
const DOT = "[^\\n\\r\\x{2028}\\x{2029}]";
const ANYTHING = "\\x{0}-\\x{10ffff}";

/** Compiles an ECMAScript (`u` flag) regex source for RE2, keeping JavaScript's meaning, or says why it cannot. */
export function compileSchemaRegex(source: unknown): SchemaRegex {
  if (typeof source !== "string") return { ok: false, reason: "is not a string" };
  if (source.length > MAX_SCHEMA_PATTERN_LENGTH)
    return { ok: false, reason: `is longer than ${MAX_SCHEMA_PATTERN_LENGTH} characters` };
  try {
    // Only constructed, never run: building a RegExp takes time linear in the pattern, whatever the pattern.
    new RegExp(source, "u");
  } catch {
    return { ok: false, reason: "is not a valid regular expression" };
  }
  // `^(?!\.)(?!.*\.\.)rest` (zod's email pattern): lookaheads at the start hold or fail at position 0 only, so each is
  // one more RE2 test of its own. Anywhere else a lookaround is refused.
  const split = leadingLookaheads(source);
  const parts: { source: string; expect: boolean }[] = split
    ? [
        ...split.lookaheads.map((ahead) => ({ source: `^(?:${ahead.body})`, expect: !ahead.negated })),
        { source: `^${split.rest}`, expect: true },
      ]
    : [{ source, expect: true }];
  const checks: { re2: RE2JS; expect: boolean }[] = [];
  for (const part of parts) {
    const translated = toRe2(part.source);
    if (!translated.ok) return translated;
    try {
      checks.push({ re2: RE2JS.compile(translated.source), expect: part.expect });
    } catch {
      return { ok: false, reason: "uses syntax the linear-time engine cannot run" };
    }
  }
  return { ok: true, test: (text) => checks.every((check) => check.re2.test(text) === check.expect) };
}

/**
 * `^(?=A)(?!B)rest` as its lookaheads and rest, when the lookaheads follow `^` directly and `rest` has no top-level
 * `|` (which would leave them applying to one branch only); otherwise undefined.
 */
function leadingLookaheads(
  source: string,
): { lookaheads: { negated: boolean; body: string }[]; rest: string } | undefined {
  if (!source.startsWith("^(?=") && !source.startsWith("^(?!")) return undefined;
  const lookaheads: { negated: boolean; body: string }[] = [];
  let i = 1;
  while (source.startsWith("(?=", i) || source.startsWith("(?!", i)) {
    const close = groupEnd(source, i);
    lookaheads.push({ negated: source[i + 2] === "!", body: source.slice(i + 3, close) });
    i = close + 1;
  }
  const rest = source.slice(i);
  return hasTopLevelChoice(rest) ? undefined : { lookaheads, rest };
}

/** The index of the `)` closing the group opened at `open` (the source is valid, so it closes). */
function groupEnd(source: string, open: number): number {
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") i++;
    else if (c === "[") i = classEnd(source, i) - 1;
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return i;
  }
  return source.length;
}

function hasTopLevelChoice(source: string): boolean {
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") i++;
    else if (c === "[") i = classEnd(source, i) - 1;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) return true;
  }
  return false;
}

/** The index just past the class opening at `i`; in JavaScript the first unescaped `]` closes it, even in `[]`. */
export function classEnd(source: string, i: number): number {
  let j = i + 1;
  if (source[j] === "^") j++;
  while (j < source.length && source[j] !== "]") j += source[j] === "\\" ? 2 : 1;
  return j + 1;
}

type Translation = { ok: true; source: string } | { ok: false; reason: string };

const BACKREFERENCE = "refers back to a group (\\1, \\k<name>), which no linear-time engine can match";
const LOOKAROUND = "looks ahead or behind ((?=, (?!, (?<=, (?<!), which the linear-time engine cannot match";

/**
 * Rewrites a source that is valid with the `u` flag into RE2 syntax with the same matches. Valid `u` syntax rules out
 * most ambiguity (a lone `{`, `}` or `]`, identity escapes of letters), so a single left-to-right pass suffices.
 */
function toRe2(source: string): Translation {
  let out = "";
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === "\\") {
      const escape = translateEscape(source, i, false);
      if (!escape.ok) return escape;
      out += escape.text;
      i = escape.end;
    } else if (c === "[") {
      const set = translateClass(source, i);
      if (!set.ok) return set;
      out += set.text;
      i = set.end;
    } else if (c === ".") {
      out += DOT;
      i++;
    } else if (c === "(" && source[i + 1] === "?") {
      const rest = source.slice(i + 2, i + 4);
      if (rest.startsWith("=") || rest.startsWith("!") || rest === "<=" || rest === "<!")
        return { ok: false, reason: LOOKAROUND };
      if (rest.startsWith("<")) {
        out += "(?P<";
        i += 3;
      } else if (rest.startsWith(":")) {
        out += "(?:";
        i += 3;
      } else {
        // `(?i:...)` and friends: JavaScript's m and s flags mean other line terminators than RE2's.
        return { ok: false, reason: "uses an inline modifier group ((?i:...)), which is not supported here" };
      }
    } else {
      out += c;
      i++;
    }
  }
  return { ok: true, source: out };
}

type Piece = { ok: true; text: string; end: number; nonSpace?: boolean } | { ok: false; reason: string };

/** The escape at `i` in RE2 syntax; inside a class `\s` becomes its members and `\S` is flagged for the caller. */
function translateEscape(source: string, i: number, inClass: boolean): Piece {
  const next = source[i + 1] ?? "";
  const end = i + 2;
  if (/[1-9]/.test(next) || next === "k") return { ok: false, reason: BACKREFERENCE };
  if (next === "s") return { ok: true, text: inClass ? SPACE : `[${SPACE}]`, end };
  if (next === "S")
    return inClass ? { ok: true, text: "", end, nonSpace: true } : { ok: true, text: `[^${SPACE}]`, end };
  if (next === "b" && inClass) return { ok: true, text: "\\x{8}", end };
  if (next === "0") return { ok: true, text: "\\x{0}", end };
  if (next === "c") return { ok: true, text: codePoint(source.charCodeAt(end) % 32), end: end + 1 };
  if (next === "x") return { ok: true, text: codePoint(parseInt(source.slice(end, end + 2), 16)), end: end + 2 };
  if (next === "u") return unicodeEscape(source, i);
  if (next === "p" || next === "P") {
    const close = source.indexOf("}", end);
    // RE2 knows general categories and scripts by their short names (\p{L}, \p{Greek}); others fail to compile.
    return { ok: true, text: source.slice(i, close + 1), end: close + 1 };
  }
  if (next === "/") return { ok: true, text: "/", end };
  // \d \D \w \W \b \B \t \n \v \f \r and escaped syntax characters mean the same in RE2.
  return { ok: true, text: source.slice(i, end), end };
}

/** `\u{1F600}`, `\u00e9`, or a surrogate pair `\uD83D\uDE00` (one code point under the `u` flag). */
function unicodeEscape(source: string, i: number): Piece {
  if (source[i + 2] === "{") {
    const close = source.indexOf("}", i);
    return { ok: true, text: codePoint(parseInt(source.slice(i + 3, close), 16)), end: close + 1 };
  }
  const high = parseInt(source.slice(i + 2, i + 6), 16);
  const pair = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(source.slice(i + 6, i + 12));
  if (high >= 0xd800 && high <= 0xdbff && pair) {
    const low = parseInt(pair[1]!, 16);
    return { ok: true, text: codePoint((high - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000), end: i + 12 };
  }
  return { ok: true, text: codePoint(high), end: i + 6 };
}

function codePoint(value: number): string {
  return `\\x{${value.toString(16)}}`;
}

/** The class starting at `i`; JavaScript's `[]` and `[^]` and a literal `[` inside read differently in RE2. */
function translateClass(source: string, i: number): Piece {
  let j = i + 1;
  const negated = source[j] === "^";
  if (negated) j++;
  let members = "";
  let nonSpace = false;
  while (source[j] !== "]") {
    const c = source[j]!;
    if (c === "\\") {
      const escape = translateEscape(source, j, true);
      if (!escape.ok) return escape;
      members += escape.text;
      nonSpace ||= escape.nonSpace === true;
      j = escape.end;
    } else {
      // `[` opens a POSIX class (`[:alpha:]`) in RE2 but is a plain character here.
      members += c === "[" ? "\\[" : c;
      j++;
    }
  }
  const end = j + 1;
  if (nonSpace) {
    // RE2 classes cannot hold a negated class: `[a\S]` becomes "a, or anything but a space".
    if (negated) return { ok: false, reason: "negates a class holding \\S, which is not supported here" };
    return { ok: true, text: members === "" ? `[^${SPACE}]` : `(?:[${members}]|[^${SPACE}])`, end };
  }
  if (members === "") return { ok: true, text: negated ? `[${ANYTHING}]` : `[^${ANYTHING}]`, end };
  return { ok: true, text: `[${negated ? "^" : ""}${members}]`, end };
}

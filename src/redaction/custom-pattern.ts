/**
 * Custom patterns from a policy row, checked before use so that one row cannot make every scan slow. A pattern is
 * accepted when it is at most 200 characters, valid JavaScript regex syntax, has no backreference, lookahead or
 * lookbehind, gives every repeat an upper bound of at most 100, repeats no group that holds a repeat or a choice
 * (`(a+)+`, `(a|aa)*`), offers at most 1,000 ways to match at one place, and cannot match empty text. Under those
 * rules a scan's work grows linearly with the text.
 */
import type { CustomPattern, Detector, NamedPattern, Span } from "./types";

/** The longest custom pattern accepted, in characters. */
export const MAX_CUSTOM_PATTERN_LENGTH = 200;

/** The largest upper bound a repeat may have (`\d{1,100}`). */
export const MAX_CUSTOM_REPEAT = 100;

/** The most ways a pattern may have to match at one place: the product of its repeats' ranges and choices. */
export const MAX_CUSTOM_CHOICES = 1_000;

/** compileCustomPattern's answer: a pattern ready for redact(), or a reason a policy's owner can act on. */
export type CustomPatternResult = { ok: true; pattern: CustomPattern } | { ok: false; reason: string };

const REASONS = {
  empty: "The pattern is empty.",
  backreference:
    "The pattern refers back to an earlier group (\\1 or \\k<name>). Such patterns can take very long on some text; write the repeated part out instead.",
  lookaround:
    "The pattern looks ahead or behind ((?=, (?!, (?<= or (?<!). These are not allowed in redaction patterns; match the text itself instead.",
  unbounded: `The pattern has a repeat with no upper limit (+, * or {n,}) or a limit above ${MAX_CUSTOM_REPEAT}. Give every repeat a maximum of at most ${MAX_CUSTOM_REPEAT}, like \\d{1,12} instead of \\d+, so that a long text cannot slow every tool call down.`,
  nested:
    "The pattern repeats a group that itself contains a repeat or a choice, like (a+)+ or (a|b)*. Such patterns can take exponentially long on some text; repeat a single character class instead, like [ab]{1,20}.",
  choices: `The pattern allows too many ways to match at one place (more than ${MAX_CUSTOM_CHOICES.toLocaleString("en-US")}). Use fewer or narrower repeats, like \\d{6,8} instead of \\d{1,100}.`,
  matchesEmpty: "The pattern can match empty text, so it would redact nothing useful. Make at least one part required.",
} as const;

interface Quantifier {
  /** Index just past the quantifier (and its lazy `?`). */
  end: number;
  min: number;
  max: number;
}

/** The quantifier starting at `i`, if any. */
function quantifierAt(source: string, i: number): Quantifier | undefined {
  const c = source[i];
  let end: number;
  let min: number;
  let max: number;
  if (c === "*" || c === "+" || c === "?") {
    end = i + 1;
    min = c === "+" ? 1 : 0;
    max = c === "?" ? 1 : Infinity;
  } else if (c === "{") {
    const brace = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 24));
    if (!brace) return undefined;
    end = i + brace[0].length;
    min = Number(brace[1]);
    max = brace[2] === undefined ? min : brace[3] === "" ? Infinity : Number(brace[3]);
  } else return undefined;
  if (source[end] === "?") end++;
  return { end, min, max };
}

/** What is known about one group while its closing parenthesis is not yet reached. */
interface Frame {
  /** It contains a repeat whose matches can differ in length, or a choice (`|`): repeating it is refused. */
  varies: boolean;
  /** Ways to match of the branches closed so far (summed) and of the open branch (a product). */
  closedBranches: number;
  branch: number;
}

const newFrame = (): Frame => ({ varies: false, closedBranches: 0, branch: 1 });
const waysOf = (frame: Frame) => frame.closedBranches + frame.branch;

type Problem = keyof typeof REASONS;

/** Checks in the order their reasons are given: the root cause of `(a+)+` is the nesting, not the open `+`. */
const PRIORITY: Problem[] = ["backreference", "lookaround", "nested", "unbounded", "choices"];

/** The most important reason to refuse a syntactically valid pattern, if any. */
function problemWith(source: string): string | undefined {
  const found = new Set<Problem>();
  const stack: Frame[] = [newFrame()];
  /** The atom a following quantifier applies to: a closed group, or a single character, class or escape. */
  let last: { group?: Frame } | undefined;
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    const top = stack[stack.length - 1]!;
    const quantifier = last ? quantifierAt(source, i) : undefined;
    if (quantifier && last) {
      const { min, max } = quantifier;
      if (last.group && (last.group.varies || waysOf(last.group) > 1) && max > 1) found.add("nested");
      if (max > MAX_CUSTOM_REPEAT) found.add("unbounded");
      if (max > min) top.varies = true;
      // The group's own ways were counted when it closed; the repeat multiplies them by its range.
      top.branch *= Math.min(max, MAX_CUSTOM_REPEAT) - min + 1;
      last = undefined;
      i = quantifier.end;
      continue;
    }
    last = undefined;
    if (c === "\\") {
      const next = source[i + 1] ?? "";
      if (/[1-9]/.test(next) || (next === "k" && source[i + 2] === "<")) found.add("backreference");
      i += 2;
      if ((next === "u" || next === "p" || next === "P" || next === "x") && source[i] === "{")
        i = source.indexOf("}", i) + 1;
      else if (next === "u") i += 4;
      else if (next === "x") i += 2;
      else if (next === "c") i += 1;
      last = {};
      continue;
    }
    if (c === "[") {
      i++;
      if (source[i] === "^") i++;
      if (source[i] === "]") i++;
      while (i < source.length && source[i] !== "]") i += source[i] === "\\" ? 2 : 1;
      i++;
      last = {};
      continue;
    }
    if (c === "(") {
      if (/^\(\?(?:=|!|<=|<!)/.test(source.slice(i, i + 4))) found.add("lookaround");
      stack.push(newFrame());
      const prefix = /^\(\?(?:<[A-Za-z_$][\w$]*>|[a-z-]*:)/.exec(source.slice(i, i + 40));
      i += prefix ? prefix[0].length : 1;
      continue;
    }
    if (c === ")") {
      const closed = stack.pop()!;
      const parent = stack[stack.length - 1]!;
      parent.varies ||= closed.varies;
      parent.branch *= waysOf(closed);
      last = { group: closed };
      i++;
      continue;
    }
    if (c === "|") {
      top.varies = true;
      top.closedBranches += top.branch;
      top.branch = 1;
      i++;
      continue;
    }
    if (c !== "^" && c !== "$") last = {};
    i++;
  }
  if (waysOf(stack[0]!) > MAX_CUSTOM_CHOICES) found.add("choices");
  const problem = PRIORITY.find((p) => found.has(p));
  return problem && REASONS[problem];
}

/**
 * Checks and compiles a policy row's pattern; the reason for a refusal is a sentence fit to show the row's owner.
 * @example compileCustomPattern("EMP-\\d{6}") // { ok: true, pattern }
 * @example compileCustomPattern("(a+)+") // { ok: false, reason: "The pattern repeats a group that itself contains …" }
 */
export function compileCustomPattern(source: string): CustomPatternResult {
  if (source.length === 0) return { ok: false, reason: REASONS.empty };
  if (source.length > MAX_CUSTOM_PATTERN_LENGTH)
    return {
      ok: false,
      reason: `The pattern is ${source.length} characters long; at most ${MAX_CUSTOM_PATTERN_LENGTH} are allowed.`,
    };
  let regex: RegExp;
  try {
    regex = new RegExp(source, "gu");
  } catch (error) {
    // V8 says "Invalid regular expression: /<source>/gu: Unterminated group"; keep only the last part.
    const detail = error instanceof Error ? (error.message.split("/gu: ").pop() ?? "") : "";
    return { ok: false, reason: `The pattern is not a valid regular expression (${detail}).` };
  }
  const problem = problemWith(source);
  if (problem) return { ok: false, reason: problem };
  if (new RegExp(source, "u").test("")) return { ok: false, reason: REASONS.matchesEmpty };
  return { ok: true, pattern: { source, regex } };
}

/** A detector reporting as `custom:<name>`. */
export function customDetector({ name, pattern }: NamedPattern): Detector {
  const { regex } = pattern;
  return {
    name: `custom:${name}`,
    minLength: 1,
    mayMatch: () => true,
    find(text) {
      const spans: Span[] = [];
      regex.lastIndex = 0;
      for (let match = regex.exec(text); match; match = regex.exec(text)) {
        // Accepted patterns cannot match empty text at the start, but `\b`-like anchors can elsewhere.
        if (match[0].length === 0) {
          regex.lastIndex++;
          continue;
        }
        spans.push({ start: match.index, end: match.index + match[0].length });
      }
      return spans;
    },
  };
}

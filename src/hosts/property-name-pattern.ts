/**
 * `patternProperties` keys from upstream tool schemas. Unlike `pattern`, they have no sound rewrite: JSON Schema can
 * choose the schema for a property's value by its name only through `patternProperties` itself (`propertyNames` sees
 * names but not values), and @cfworker/json-schema runs those keys with JavaScript's backtracking `RegExp`. So a key
 * is accepted only when its shape bounds the backtracking, and refused otherwise: the name it runs on is the agent's.
 */
import { classEnd, compileSchemaRegex } from "./schema-regex";

/** The most ways a short repeat or a choice may multiply the attempts at one place. */
const MAX_SMALL_CHOICES = 64;

/** A repeat whose range is larger than this counts as long (like `+`). */
const MAX_SMALL_RANGE = 16;

/**
 * Why a `patternProperties` key cannot run on a backtracking engine in time linear in the property name, or
 * undefined when it can. Accepted: what RE2 would also accept (no lookaround, no backreference), with no repeated
 * group, at most one long repeat (`+`, `*`, `{n,}`, or a range over 16), and then only after a leading `^`, and at
 * most 64 ways for the short repeats and choices together. Each start position then costs at most the name's length
 * times 64 steps, and `^` leaves one start position: `^[a-z][a-z0-9_]*$`, `^x-`, `^(get|set)_[a-z]{1,8}$` pass;
 * `(a+)+`, `^(a|ab)*$`, `[a-z]+$` (unanchored) and `^a+b+$` do not.
 */
export function propertyNamePatternProblem(source: string): string | undefined {
  const compiled = compileSchemaRegex(source);
  if (!compiled.ok) return compiled.reason;
  let longRepeats = 0;
  let ways = 1;
  let lastWasGroup = false;
  let topLevelChoice = false;
  let depth = 0;
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    const repeat = repeatAt(source, i);
    if (repeat) {
      if (lastWasGroup && repeat.max > 1) return "repeats a group, which a backtracking engine may retry exponentially";
      if (repeat.max - repeat.min > MAX_SMALL_RANGE) longRepeats++;
      else ways *= repeat.max - repeat.min + 1;
      lastWasGroup = false;
      i = repeat.end;
      continue;
    }
    lastWasGroup = c === ")";
    if (c === "\\") i += source[i + 1] === "p" || source[i + 1] === "P" ? source.indexOf("}", i) + 1 - i : 2;
    else if (c === "[") i = classEnd(source, i);
    else {
      // compileSchemaRegex splits off leading lookaheads for RE2; here the key runs whole on the backtracking engine.
      if (c === "(" && /^\?(=|!|<=|<!)/.test(source.slice(i + 1, i + 4))) return "looks ahead or behind";
      if (c === "(" && source[i + 1] === "?") {
        // `(?:` and `(?<name>` open a group; their `?` repeats nothing.
        depth++;
        i = source[i + 2] === ":" ? i + 3 : source.indexOf(">", i) + 1;
        continue;
      }
      if (c === "(") depth++;
      if (c === ")") depth--;
      if (c === "|") ways *= 2;
      if (c === "|" && depth === 0) topLevelChoice = true;
      i++;
    }
  }
  if (longRepeats > 1) return "has more than one long repeat, which a backtracking engine may retry against each other";
  // `^a|b+` anchors only its first branch.
  if (longRepeats === 1 && (!source.startsWith("^") || topLevelChoice))
    return "has a long repeat but does not start with ^ (for every branch)";
  if (ways > MAX_SMALL_CHOICES) return `allows more than ${MAX_SMALL_CHOICES} ways to match at one place`;
  return undefined;
}

/** The repeat (quantifier) at `i`, with the index just past it and any lazy `?`. */
function repeatAt(source: string, i: number): { min: number; max: number; end: number } | undefined {
  const c = source[i];
  let found: { min: number; max: number; end: number } | undefined;
  if (c === "*" || c === "+" || c === "?")
    found = { min: c === "+" ? 1 : 0, max: c === "?" ? 1 : Infinity, end: i + 1 };
  else if (c === "{") {
    const brace = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 32));
    if (brace) {
      const min = Number(brace[1]);
      const max = brace[2] === undefined ? min : brace[3] === "" ? Infinity : Number(brace[3]);
      found = { min, max, end: i + brace[0].length };
    }
  }
  if (found && source[found.end] === "?") found.end++;
  return found;
}

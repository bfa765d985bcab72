/**
 * Bounds on JSON values that come from outside (an agent's arguments, a host's result), checked before anything
 * hashes, records or answers them. The check is iterative, so hostile nesting cannot exhaust the stack.
 */

/** Why a value is refused. */
export type JsonProblemReason =
  "too_deep" | "too_large" | "not_finite" | "inexact_integer" | "lone_surrogate" | "forbidden_key" | "not_json";

/** The first problem found in a value: where (a JSON Pointer, cut to 200 characters), why, and a clause saying it. */
export interface JsonProblem {
  path: string;
  reason: JsonProblemReason;
  message: string;
}

/** What a value must keep to. */
export interface JsonLimits {
  /** How many containers deep it may nest (the top-level object or array counts as 1). */
  maxDepth: number;
  /** About how many characters it may hold: string and key lengths, plus one per value. */
  maxChars?: number;
  /**
   * I-JSON (RFC 7493), for what an agent sends: integers within ±(2^53 − 1) so they arrive exactly, strings and
   * keys that are well-formed Unicode, and no key that could reach an object's prototype.
   */
  strict?: boolean;
}

/** Longest path echoed in a problem: a hostile key can be as long as the body. */
const MAX_SHOWN_PATH = 200;

/** Keys that could reach an object's prototype if a value were ever merged into another object. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** A lone surrogate (a `u`-mode class does not match the halves of a well-formed pair). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * The first way `value` breaks `limits`, or null when it keeps to them. Numbers that JSON cannot carry (`1e309`
 * parses as Infinity) are always refused: they have no canonical form to hash.
 * @example jsonProblem({ a: [[1]] }, { maxDepth: 2 }) // { path: "/a/0", reason: "too_deep", … }
 */
export function jsonProblem(value: unknown, limits: JsonLimits): JsonProblem | null {
  const maxChars = limits.maxChars ?? Number.POSITIVE_INFINITY;
  let chars = 0;
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: "", depth: 0 }];
  while (stack.length > 0) {
    const { value: node, path, depth } = stack.pop()!;
    chars += 1;
    if (chars > maxChars) return problem("", "too_large", `it holds more than ${maxChars} characters`);
    switch (typeof node) {
      case "string":
        chars += node.length;
        if (chars > maxChars) return problem("", "too_large", `it holds more than ${maxChars} characters`);
        if (limits.strict && LONE_SURROGATE.test(node))
          return problem(path, "lone_surrogate", "a string is not well-formed Unicode (it holds a lone surrogate)");
        continue;
      case "number":
        if (!Number.isFinite(node))
          return problem(path, "not_finite", "a number is too large for JSON (1e309 and beyond parse as Infinity)");
        if (limits.strict && Number.isInteger(node) && !Number.isSafeInteger(node))
          return problem(
            path,
            "inexact_integer",
            "an integer is beyond ±9007199254740991, so it cannot arrive exactly (send it as a string)",
          );
        continue;
      case "boolean":
      case "undefined":
        continue;
      case "object":
        break;
      default:
        return problem(path, "not_json", `a ${typeof node} has no JSON form`);
    }
    if (node === null) continue;
    if (depth + 1 > limits.maxDepth)
      return problem(path, "too_deep", `nesting goes deeper than ${limits.maxDepth} levels`);
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) stack.push({ value: node[i], path: `${path}/${i}`, depth: depth + 1 });
      continue;
    }
    const object = node as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      const at = `${path}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
      chars += key.length;
      if (limits.strict && FORBIDDEN_KEYS.has(key))
        return problem(at, "forbidden_key", `the key "${key}" is not allowed`);
      if (limits.strict && LONE_SURROGATE.test(key))
        return problem(at, "lone_surrogate", "a key is not well-formed Unicode (it holds a lone surrogate)");
      stack.push({ value: object[key], path: at, depth: depth + 1 });
    }
  }
  return null;
}

function problem(path: string, reason: JsonProblemReason, message: string): JsonProblem {
  return { path: path.length > MAX_SHOWN_PATH ? `${path.slice(0, MAX_SHOWN_PATH)}…` : path, reason, message };
}

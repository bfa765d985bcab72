import { jsonProblem, type JsonProblem } from "./json-limits";

/** How deep tool arguments may nest, the top-level object included. Real tool schemas stay far below this. */
export const MAX_ARGUMENT_DEPTH = 32;

/** A structural problem with tool arguments, found before schema validation. */
export interface ArgumentProblem {
  path: string;
  reason: JsonProblem["reason"] | "not_object";
  message: string;
}

/**
 * Checks that arguments are a plain JSON object an agent can send exactly (I-JSON, RFC 7493: finite numbers,
 * integers within ±(2^53 − 1), well-formed Unicode), with no prototype-reaching keys and at most
 * {@link MAX_ARGUMENT_DEPTH} levels. Iterative, so hostile nesting cannot exhaust the stack.
 */
export function inspectArguments(args: unknown): ArgumentProblem | null {
  if (args === null || typeof args !== "object" || Array.isArray(args))
    return { path: "", reason: "not_object", message: "arguments must be a JSON object" };
  return jsonProblem(args, { maxDepth: MAX_ARGUMENT_DEPTH, strict: true });
}

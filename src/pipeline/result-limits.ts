import { jsonProblem, type JsonProblem } from "./json-limits";

/**
 * How deep a host's result may nest. Twice the arguments' bound: results carry records inside lists inside pages,
 * and every later reader (content guards, hashing, the answer) walks no deeper than this.
 */
export const MAX_RESULT_DEPTH = 64;

/**
 * About how many characters a host's result may hold (1 MB, the bound on a request's body): the answer carries it
 * twice (as text and as structuredContent), and the outcome entry hashes it.
 */
export const MAX_RESULT_CHARS = 1_000_000;

/**
 * Why a host's result cannot be hashed, screened or returned as it is, or null when it can: nested deeper than
 * {@link MAX_RESULT_DEPTH}, larger than {@link MAX_RESULT_CHARS}, or holding a number JSON cannot carry.
 * Iterative, so the check itself cannot exhaust the stack.
 */
export function resultProblem(data: unknown): JsonProblem | null {
  return jsonProblem(data, { maxDepth: MAX_RESULT_DEPTH, maxChars: MAX_RESULT_CHARS });
}

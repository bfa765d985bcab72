/** Keys that could reach an object's prototype if arguments were ever merged into another object. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** How deep tool arguments may nest. Real tool schemas stay far below this. */
export const MAX_ARGUMENT_DEPTH = 32;

/** A structural problem with tool arguments, found before schema validation. */
export interface ArgumentProblem {
  path: string;
  message: string;
}

/**
 * Checks that arguments are a plain JSON object with no prototype-reaching keys and bounded depth.
 * Iterative, so hostile nesting cannot exhaust the stack.
 */
export function inspectArguments(args: unknown): ArgumentProblem | null {
  if (args === null || typeof args !== "object" || Array.isArray(args))
    return { path: "", message: "arguments must be a JSON object" };
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: args, path: "", depth: 1 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (value === null || typeof value !== "object") continue;
    if (depth > MAX_ARGUMENT_DEPTH) return { path, message: `arguments nest deeper than ${MAX_ARGUMENT_DEPTH} levels` };
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return { path: `${path}/${key}`, message: `the key "${key}" is not allowed` };
      stack.push({ value: (value as Record<string, unknown>)[key], path: `${path}/${key}`, depth: depth + 1 });
    }
  }
  return null;
}

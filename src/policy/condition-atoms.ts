/**
 * Conditions read as a conjunction of simple tests on arguments (`args.amount_cents > 500`,
 * `args.currency == "EUR"`, `args.region in ["eu", "uk"]`, joined by `&&`), so decide() can index them by value
 * (src/policy/decision-plan.ts) instead of running the interpreter once per row. A test is decided here only when
 * the argument it reads holds a value of the literal's own type; any other value (missing, null, another type) is
 * left to the interpreter, which gives the answer or the error plain evaluation gives.
 */

/** A scalar type an argument is compared with natively. */
export type AtomType = "string" | "number" | "boolean";

/** A comparison with a number bound, written with the argument on the left. */
export type RangeOp = "<" | "<=" | ">" | ">=";

/** One test of a conjunction: equality with one of `keys`, or a comparison with a number bound. */
export type ConditionAtom =
  | {
      readonly test: "equal";
      readonly path: readonly string[];
      readonly type: AtomType;
      readonly keys: readonly (string | number | boolean)[];
    }
  | { readonly test: "range"; readonly path: readonly string[]; readonly op: RangeOp; readonly bound: number };

/** A node of @marcbachmann/cel-js's parse tree, as read here. */
interface Node {
  op: string;
  args: unknown;
}

const isNode = (value: unknown): value is Node =>
  typeof value === "object" && value !== null && typeof (value as Node).op === "string";

/** Integers past this lose precision as doubles; comparing them natively could differ from the interpreter. */
const EXACT_INTEGER = 2 ** 53;

/** Keys that name an object's machinery rather than an argument: left to the interpreter. */
const RESERVED_KEYS = new Set(["__proto__", "constructor", "prototype"]);

const FLIPPED: Record<RangeOp, RangeOp> = { "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

/** `args.a.b` as `["a", "b"]`, or null for anything else. */
function pathOf(node: unknown): string[] | null {
  if (!isNode(node) || node.op !== "." || !Array.isArray(node.args)) return null;
  const [inner, key] = node.args as unknown[];
  if (typeof key !== "string" || RESERVED_KEYS.has(key)) return null;
  if (isNode(inner) && inner.op === "id") return inner.args === "args" ? [key] : null;
  const prefix = pathOf(inner);
  return prefix === null ? null : [...prefix, key];
}

/** A string, boolean or exactly representable number literal (a leading minus allowed on numbers), or undefined. */
function literalOf(node: unknown): string | number | boolean | undefined {
  if (!isNode(node)) return undefined;
  if (node.op === "-_") {
    const inner = literalOf(node.args);
    return typeof inner === "number" ? -inner : undefined;
  }
  if (node.op !== "value") return undefined;
  const value = node.args;
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "bigint") return value <= EXACT_INTEGER && value >= -EXACT_INTEGER ? Number(value) : undefined;
  return undefined;
}

const typeOf = (value: string | number | boolean): AtomType => typeof value as AtomType;

function atomOf(node: Node): ConditionAtom | null {
  if (!Array.isArray(node.args) || node.args.length !== 2) return null;
  const [left, right] = node.args as unknown[];
  if (node.op === "in") {
    const path = pathOf(left);
    if (path === null || !isNode(right) || right.op !== "list" || !Array.isArray(right.args)) return null;
    const keys = (right.args as unknown[]).map(literalOf);
    const first = keys[0];
    if (first === undefined || keys.some((key) => key === undefined || typeof key !== typeof first)) return null;
    return { test: "equal", path, type: typeOf(first), keys: keys as (string | number | boolean)[] };
  }
  const leftPath = pathOf(left);
  const path = leftPath ?? pathOf(right);
  const literal = literalOf(leftPath ? right : left);
  if (path === null || literal === undefined) return null;
  if (node.op === "==") return { test: "equal", path, type: typeOf(literal), keys: [literal] };
  if (node.op in FLIPPED && typeof literal === "number") {
    const op = node.op as RangeOp;
    return { test: "range", path, op: leftPath ? op : FLIPPED[op], bound: literal };
  }
  return null;
}

/** A node's source text, when the parser recorded where it starts and ends. */
function sourceOf(node: unknown, source: string): string | null {
  const { start, end } = node as { start?: unknown; end?: unknown };
  return typeof start === "number" && typeof end === "number" && start < end ? source.slice(start, end) : null;
}

/**
 * A top-level `&&` chain split into its simple tests on arguments and the source of every other conjunct (`rest`),
 * or null when it has no simple test (or a conjunct's source cannot be located). Only for conditions whose work does
 * not grow with their inputs: those are never stopped at their budget, so a test found false decides the conjunction
 * whatever its other conjuncts would have raised (CEL's `&&` gives false over an error).
 */
export function conditionParts(ast: unknown, source: string): { atoms: ConditionAtom[]; rest: string[] } | null {
  const atoms: ConditionAtom[] = [];
  const rest: string[] = [];
  const visit = (node: unknown): boolean => {
    if (!isNode(node)) return false;
    if (node.op === "&&" && Array.isArray(node.args) && node.args.length === 2)
      return visit(node.args[0]) && visit(node.args[1]);
    const atom = atomOf(node);
    if (atom) atoms.push(atom);
    else {
      const text = sourceOf(node, source);
      if (text === null) return false;
      rest.push(text);
    }
    return true;
  };
  return visit(ast) && atoms.length > 0 ? { atoms, rest } : null;
}

/** Marks an argument the native tests cannot read: missing, or under something other than a plain object. */
export const UNREADABLE: unique symbol = Symbol("unreadable");

/** The argument at `path` when every step is an own key of a plain object, else UNREADABLE. */
export function readArgument(args: unknown, path: readonly string[]): unknown {
  let value = args;
  for (const key of path) {
    if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype)
      return UNREADABLE;
    if (!Object.hasOwn(value, key)) return UNREADABLE;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Whether a value read from the arguments is one the native tests of this type decide. */
export function isNativeValue(value: unknown, type: AtomType): value is string | number | boolean {
  return typeof value === type && (type !== "number" || Number.isFinite(value));
}

/** The test's answer on an argument of its type (see isNativeValue). */
export function atomHolds(atom: ConditionAtom, value: string | number | boolean): boolean {
  if (atom.test === "equal") return atom.keys.includes(value);
  const n = value as number;
  switch (atom.op) {
    case "<":
      return n < atom.bound;
    case "<=":
      return n <= atom.bound;
    case ">":
      return n > atom.bound;
    case ">=":
      return n >= atom.bound;
  }
}

/** The type of value a test decides natively. */
export const atomType = (atom: ConditionAtom): AtomType => (atom.test === "equal" ? atom.type : "number");

/**
 * What a conjunction of tests gives on these arguments when the tests alone decide it: false as soon as one test
 * reads a value of its type and fails (`false && anything` is false in CEL, errors included), true when every test
 * reads such a value and holds; undefined when some argument is unreadable and none failed (the interpreter decides).
 */
export function atomsDecide(atoms: readonly ConditionAtom[], args: unknown): boolean | undefined {
  let unreadable = false;
  for (const atom of atoms) {
    const value = readArgument(args, atom.path);
    if (!isNativeValue(value, atomType(atom))) unreadable = true;
    else if (!atomHolds(atom, value)) return false;
  }
  return unreadable ? undefined : true;
}

/**
 * The worst-case work of a CEL expression, estimated from its syntax tree before a row is accepted, and the input
 * sizes that estimate assumes, checked before each evaluation that depends on them. Together they bound every
 * evaluation by CONDITION_COST_BUDGET steps (docs/policies.md, "What a condition may cost").
 *
 * A step is one node of the tree evaluated (a function call costs CALL_STEPS), one value of a list or map visited,
 * or CHARS_PER_STEP characters read: about 40 to 150 ns of the interpreter's time.
 * Sizes are tracked as bounds on what a value can hold (its values, nested ones included, and its characters).
 * A comprehension's body is costed twice, for its smallest and its largest element: the elements of one list share
 * that list's size, so nested loops over an element's own lists stay linear (`args.orders.all(o, o.lines.all(…))`),
 * while loops over two argument lists multiply (`args.a.all(x, args.b.exists(y, …))`).
 */
import { compileCustomPattern } from "../redaction";

/**
 * The most steps one evaluation may take: the estimate refuses more at sync time, the run-time check stops more.
 * The worst accepted conditions take about 10 to 40 ms on a worst-case argument (docs/policies.md).
 */
export const CONDITION_COST_BUDGET = 300_000;

/**
 * The most values (each string, number, list or map counts one, nested ones included) the variables may hold when
 * a condition's work grows with them; a call whose arguments hold more makes such a condition exceed its budget.
 */
export const CONDITION_MAX_INPUT_VALUES = 10_000;

/**
 * The most characters (strings and map keys) one variable may hold: the request body limit (1 MiB, src/app.ts), so
 * a call the Worker accepts never exceeds it; it is checked all the same.
 */
export const CONDITION_MAX_INPUT_CHARS = 1024 * 1024;

/** Characters a native string operation (`contains`, `==`, `+`, …) reads in one step: scans are that much faster. */
export const CHARS_PER_STEP = 64;

/** Characters `size()` counts in one step: the interpreter walks a string's code points one by one in JavaScript. */
export const SIZE_CHARS_PER_STEP = 4;

/** Steps a function call costs beyond its operands: the interpreter picks an overload for each call as it runs. */
export const CALL_STEPS = 4;

/**
 * Steps `matches` takes per character of text for each character of its pattern's span (its length plus its
 * repeats' upper bounds): an unanchored regex is tried at every position of the text.
 */
export const MATCHES_STEPS_PER_SPAN_CHAR = 0.25;

/** The most tree nodes the estimate itself visits (each comprehension costs its body twice): past it, refused. */
export const MAX_ESTIMATE_VISITS = 20_000;

/** What a value can hold: its values (itself included) and its characters. */
interface Bound {
  values: number;
  chars: number;
}

const SCALAR: Bound = { values: 1, chars: 0 };
const INPUT: Bound = { values: CONDITION_MAX_INPUT_VALUES, chars: CONDITION_MAX_INPUT_CHARS };
const VARIABLES = ["args", "agent", "tool", "context"];

/** The estimate of a condition: its worst-case steps and the input sizes that bound them, or why it is refused. */
export type CostEstimate = { ok: true; steps: number; limits: InputLimit[] } | { ok: false; error: string };

/** A node of @marcbachmann/cel-js's parse tree as read here: an operator, its operands and its offset. */
interface Node {
  op: string;
  args: unknown;
  start?: number;
}

const isNode = (value: unknown): value is Node =>
  typeof value === "object" && value !== null && typeof (value as Node).op === "string";

const nodes = (value: unknown): Node[] => (Array.isArray(value) ? value.filter(isNode) : []);

/** The work of evaluating a node and the size of what it gives. */
interface Cost {
  steps: number;
  bound: Bound;
}

/** Steps to read every value and character of a bound. */
const scan = (bound: Bound) => bound.values + bound.chars / CHARS_PER_STEP;
const charScan = (bound: Bound) => bound.chars / CHARS_PER_STEP;
const sum = (a: Bound, b: Bound): Bound => ({ values: a.values + b.values, chars: a.chars + b.chars });
const widest = (a: Bound, b: Bound): Bound => ({
  values: Math.max(a.values, b.values),
  chars: Math.max(a.chars, b.chars),
});

/** Functions whose result is a number, a boolean, a timestamp or a duration. */
const SCALAR_RESULTS = new Set([
  "size",
  "has",
  "contains",
  "startsWith",
  "endsWith",
  "indexOf",
  "lastIndexOf",
  "int",
  "uint",
  "double",
  "bool",
  "timestamp",
  "duration",
  "type",
  "hasValue",
]);
/** Functions that read only the characters of their operands. */
const STRING_READS = new Set([
  "contains",
  "startsWith",
  "endsWith",
  "indexOf",
  "lastIndexOf",
  "lowerAscii",
  "upperAscii",
  "trim",
  "substring",
  "split",
  "int",
  "uint",
  "double",
  "bool",
  "timestamp",
  "duration",
]);
const COMPREHENSIONS = new Set(["all", "exists", "exists_one", "map", "filter"]);

/** A refusal found while estimating (a `matches` pattern that could backtrack, an estimate too large to make). */
class Refusal extends Error {}

class Estimator {
  visits = 0;
  /** The first node (innermost) found to exceed the budget, for the refusal to name. */
  culprit: Node | undefined;

  cost(node: Node, scope: ReadonlyMap<string, Bound>): Cost {
    if (++this.visits > MAX_ESTIMATE_VISITS)
      throw new Refusal(
        "nests too many comprehensions to estimate its cost; nest at most a few `all`, `exists`, `map` or `filter`",
      );
    const result = this.costOf(node, scope);
    if (result.steps > CONDITION_COST_BUDGET && this.culprit === undefined) this.culprit = node;
    return result;
  }

  private costOf(node: Node, scope: ReadonlyMap<string, Bound>): Cost {
    const { op, args } = node;
    const sub = (child: unknown) => (isNode(child) ? this.cost(child, scope) : { steps: 0, bound: SCALAR });
    switch (op) {
      case "value":
        return { steps: 1, bound: literalBound(args) };
      case "id":
        return { steps: 1, bound: typeof args === "string" ? (scope.get(args) ?? SCALAR) : SCALAR };
      case ".":
      case ".?": {
        // A field is part of its object: no larger.
        const object = sub(nodes(args)[0]);
        return { steps: object.steps + 1, bound: object.bound };
      }
      case "[]":
      case "[?]": {
        const [object, index] = nodes(args).map(sub);
        return { steps: (object?.steps ?? 0) + (index?.steps ?? 0) + 1, bound: object?.bound ?? SCALAR };
      }
      case "!_":
      case "-_":
        return { steps: sub(args).steps + 1, bound: SCALAR };
      case "&&":
      case "||":
      case "-":
      case "*":
      case "/":
      case "%":
        return { steps: 1 + nodes(args).reduce((total, child) => total + sub(child).steps, 0), bound: SCALAR };
      case "?:": {
        const [test, yes, no] = nodes(args).map(sub);
        const a = yes ?? { steps: 0, bound: SCALAR };
        const b = no ?? { steps: 0, bound: SCALAR };
        return { steps: 1 + (test?.steps ?? 0) + Math.max(a.steps, b.steps), bound: widest(a.bound, b.bound) };
      }
      case "==":
      case "!=":
      case "<":
      case "<=":
      case ">":
      case ">=": {
        // Comparing stops at the shorter operand.
        const [a, b] = nodes(args).map(sub);
        const left = a ?? { steps: 0, bound: SCALAR };
        const right = b ?? { steps: 0, bound: SCALAR };
        return { steps: 1 + left.steps + right.steps + Math.min(scan(left.bound), scan(right.bound)), bound: SCALAR };
      }
      case "in": {
        const [needle, haystack] = nodes(args).map(sub);
        const hay = haystack ?? { steps: 0, bound: SCALAR };
        return { steps: 1 + (needle?.steps ?? 0) + hay.steps + scan(hay.bound), bound: SCALAR };
      }
      case "+": {
        // Strings and lists grow: the result holds both operands.
        const [a, b] = nodes(args).map(sub);
        const left = a ?? { steps: 0, bound: SCALAR };
        const right = b ?? { steps: 0, bound: SCALAR };
        const bound = sum(left.bound, right.bound);
        return { steps: 1 + left.steps + right.steps + scan(bound), bound };
      }
      case "list":
      case "map": {
        const parts = (Array.isArray(args) ? args : []).flatMap((part: unknown) =>
          isNode(part) ? [part] : nodes(part),
        );
        let steps = 1;
        let bound: Bound = SCALAR;
        for (const part of parts) {
          const cost = sub(part);
          steps += cost.steps;
          bound = sum(bound, cost.bound);
        }
        return { steps, bound };
      }
      case "call":
      case "rcall":
        return this.call(node, scope);
      default:
        // An operator this estimate does not know: refused rather than guessed.
        throw new Refusal(`uses \`${op}\`, whose cost cannot be estimated; rewrite the condition without it`);
    }
  }

  private call(node: Node, scope: ReadonlyMap<string, Bound>): Cost {
    const parts = Array.isArray(node.args) ? node.args : [];
    const name = typeof parts[0] === "string" ? parts[0] : "";
    const receiver = node.op === "rcall" && isNode(parts[1]) ? parts[1] : undefined;
    const operands = nodes(node.op === "rcall" ? parts[2] : parts[1]);
    const iterVar = operands[0]?.op === "id" && typeof operands[0].args === "string" ? operands[0].args : undefined;

    if (receiver && COMPREHENSIONS.has(name) && iterVar !== undefined && operands.length >= 2)
      return this.comprehension(name, receiver, iterVar, operands.slice(1), scope);
    if (receiver?.op === "id" && receiver.args === "cel" && name === "bind" && iterVar !== undefined) {
      const value = this.cost(operands[1]!, scope);
      const body = this.cost(operands[2]!, new Map(scope).set(iterVar, value.bound));
      return { steps: 1 + value.steps + body.steps, bound: body.bound };
    }
    if (name === "has")
      return { steps: 1 + operands.reduce((total, o) => total + this.cost(o, scope).steps, 0), bound: SCALAR };

    const on = receiver ? this.cost(receiver, scope) : undefined;
    const given = operands.map((operand) => this.cost(operand, scope));
    const all = on ? [on, ...given] : given;
    const steps = CALL_STEPS + all.reduce((total, cost) => total + cost.steps, 0);
    if (name === "matches") return { steps: steps + this.matchesCost(on, operands[0]), bound: SCALAR };
    // size() of a list or map is a field read; of a string it counts code points.
    if (name === "size")
      return {
        steps: steps + all.reduce((total, cost) => total + cost.bound.chars / SIZE_CHARS_PER_STEP, 0),
        bound: SCALAR,
      };
    const reads = STRING_READS.has(name) ? charScan : scan;
    const read = all.reduce((total, cost) => total + reads(cost.bound), 0);
    const inputs = all.reduce((total, cost) => sum(total, cost.bound), { values: 0, chars: 0 });
    return { steps: steps + read, bound: resultBound(name, on?.bound, given, inputs) };
  }

  private comprehension(
    name: string,
    receiver: Node,
    iterVar: string,
    body: Node[],
    scope: ReadonlyMap<string, Bound>,
  ): Cost {
    const iterable = this.cost(receiver, scope);
    const count = Math.max(0, iterable.bound.values - 1);
    // Elements share the list's size: the total is at most every element at its smallest, plus one at the largest.
    const bodyAt = (element: Bound) => {
      const inner = new Map(scope).set(iterVar, element);
      return body.map((part) => this.cost(part, inner));
    };
    const smallest = bodyAt(SCALAR);
    const largest = bodyAt(iterable.bound);
    const stepsOf = (costs: Cost[]) => 1 + costs.reduce((total, cost) => total + cost.steps, 0);
    const steps = 1 + iterable.steps + count * stepsOf(smallest) + stepsOf(largest);
    if (name !== "map" && name !== "filter") return { steps, bound: SCALAR };
    if (name === "filter") return { steps, bound: iterable.bound };
    const made = (costs: Cost[]) => costs[costs.length - 1]?.bound ?? SCALAR;
    const small = made(smallest);
    const large = made(largest);
    return {
      steps,
      bound: { values: 1 + count * small.values + large.values, chars: count * small.chars + large.chars },
    };
  }

  /** `matches` runs a JavaScript regex: only a literal pattern that cannot backtrack is accepted. */
  private matchesCost(text: Cost | undefined, pattern: Node | undefined): number {
    if (pattern?.op !== "value" || typeof pattern.args !== "string")
      throw new Refusal(
        "uses `matches` with a pattern that is not a quoted string; write the pattern into the condition so it can be checked",
      );
    const source = pattern.args;
    const checked = compileCustomPattern(source);
    if (!checked.ok) throw new Refusal(`uses \`matches\` with a pattern that is refused: ${checked.reason}`);
    const span = patternSpan(source);
    // Anchored at the start (and no top-level choice to lift the anchor), the regex is tried at the first position only.
    if (source.startsWith("^") && !source.includes("|")) return span;
    return (text?.bound.chars ?? 0) * span * MATCHES_STEPS_PER_SPAN_CHAR;
  }
}

/** The most characters one attempt of a pattern can look at: its length plus its repeats' upper bounds. */
function patternSpan(source: string): number {
  let span = source.length;
  for (const repeat of source.matchAll(/\{(\d+)(?:,(\d*))?\}/g)) span += Number(repeat[2] || repeat[1]);
  return span;
}

function literalBound(value: unknown): Bound {
  if (typeof value === "string") return { values: 1, chars: value.length };
  if (value instanceof Uint8Array) return { values: 1, chars: value.length };
  return SCALAR;
}

/** What a function gives: scalars, split and join by their rule, anything else no more than its inputs. */
function resultBound(name: string, on: Bound | undefined, given: Cost[], inputs: Bound): Bound {
  if (SCALAR_RESULTS.has(name) || name.startsWith("get")) return SCALAR;
  if (name === "split" && on) return { values: 2 + on.chars, chars: on.chars };
  if (name === "join" && on) return { values: 1, chars: on.chars + on.values * (given[0]?.bound.chars ?? 0) };
  // lowerAscii and the like can lengthen a string: up to three characters for one, in Unicode's special cases.
  return { values: inputs.values + 1, chars: 3 * inputs.chars + 64 };
}

const functionName = (node: Node) =>
  (node.op === "rcall" || node.op === "call") && Array.isArray(node.args) && typeof node.args[0] === "string"
    ? node.args[0]
    : undefined;

/** Where the cost comes from and what to do about it, for the refusal. */
function explain(culprit: Node | undefined): string {
  if (!culprit) return "; read fewer or shorter values";
  const name = functionName(culprit);
  const at = `${name === undefined ? `\`${culprit.op}\`` : `\`${name}()\``}${typeof culprit.start === "number" ? ` at ${culprit.start + 1}` : ""}`;
  if (name === "matches")
    return ` (from ${at}); start the pattern with ^ so it is tried once, not at every position of the text`;
  if (name !== undefined && COMPREHENSIONS.has(name))
    return ` (from ${at}); do not nest comprehensions over argument lists: iterate over one list, or a short literal one`;
  return ` (from ${at}); read fewer or shorter values, and do not build long strings or lists to read again`;
}

/** A variable a condition reads, and which of its sizes its work depends on (checked before each evaluation). */
export interface InputLimit {
  variable: string;
  values: boolean;
  chars: boolean;
}

function estimateWith(root: Node, bounds: ReadonlyMap<string, Bound>): { steps: number; culprit?: Node } {
  const estimator = new Estimator();
  const { steps } = estimator.cost(root, bounds);
  return { steps, culprit: estimator.culprit };
}

const everyInput = () => new Map(VARIABLES.map((name) => [name, INPUT] as const));

/** For each variable, whether the worst case shrinks when its values, or its characters, are bounded by one. */
function inputLimits(root: Node, worst: number): InputLimit[] {
  const limits: InputLimit[] = [];
  for (const variable of VARIABLES) {
    const values = estimateWith(root, everyInput().set(variable, { values: 1, chars: INPUT.chars })).steps < worst;
    const chars = estimateWith(root, everyInput().set(variable, { values: INPUT.values, chars: 0 })).steps < worst;
    if (values || chars) limits.push({ variable, values, chars });
  }
  return limits;
}

const fmt = (n: number) => (n >= 1e7 ? n.toExponential(1).replace("e+", "e") : Math.ceil(n).toLocaleString("en-US"));

/**
 * The worst-case steps of a parsed expression (`program.ast` of @marcbachmann/cel-js) when its variables hold up
 * to CONDITION_MAX_INPUT_VALUES values and CONDITION_MAX_INPUT_CHARS characters, or why it is refused: more than
 * CONDITION_COST_BUDGET steps, or a `matches` pattern that is not a literal linear-time regex.
 * @example estimateCost(env.parse("args.items.all(x, x > 0)").ast) // { ok: true, steps: 50003, limits: [args values] }
 */
export function estimateCost(root: unknown): CostEstimate {
  if (!isNode(root)) return { ok: false, error: "could not be read to estimate its cost" };
  try {
    const worst = estimateWith(root, everyInput());
    if (worst.steps > CONDITION_COST_BUDGET)
      return {
        ok: false,
        error:
          `is too costly: on arguments of up to ${fmt(CONDITION_MAX_INPUT_VALUES)} values it can take about ` +
          `${fmt(worst.steps)} steps, over the budget of ${fmt(CONDITION_COST_BUDGET)}${explain(worst.culprit)}`,
      };
    return { ok: true, steps: worst.steps, limits: inputLimits(root, worst.steps) };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, error: error.message };
    throw error;
  }
}

/** The size of a call's variables, counted up to just past the limits. */
export interface InputSize {
  values: number;
  chars: number;
}

/**
 * Counts the values and characters of a variable, stopping just past the limits so a hostile argument costs no
 * more than the limits to measure. Iterative: any depth is fine.
 */
export function measureInput(root: unknown): InputSize {
  const size: InputSize = { values: 0, chars: 0 };
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    if (size.values > CONDITION_MAX_INPUT_VALUES || size.chars > CONDITION_MAX_INPUT_CHARS) break;
    const value = stack.pop();
    size.values++;
    // Each member will count at least one value: a collection with more than are left is over without a look.
    const room = CONDITION_MAX_INPUT_VALUES - size.values - stack.length;
    if (typeof value === "string") size.chars += value.length;
    else if (Array.isArray(value) && value.length > room) size.values += value.length;
    else if (Array.isArray(value)) for (const item of value) stack.push(item);
    else if (value instanceof Map)
      for (const [key, item] of value) {
        if (typeof key === "string") size.chars += key.length;
        stack.push(item);
      }
    else if (typeof value === "object" && value !== null)
      for (const [key, item] of Object.entries(value)) {
        size.chars += key.length;
        stack.push(item);
      }
  }
  return size;
}

/** Why a variable of this size exceeds what the estimate assumed for it, or undefined when it fits. */
export function inputOverLimit(limit: InputLimit, size: InputSize): string | undefined {
  if (limit.values && size.values > CONDITION_MAX_INPUT_VALUES)
    return `\`${limit.variable}\` holds more than ${fmt(CONDITION_MAX_INPUT_VALUES)} values, more than this condition may read within its budget of ${fmt(CONDITION_COST_BUDGET)} steps`;
  if (limit.chars && size.chars > CONDITION_MAX_INPUT_CHARS)
    return `\`${limit.variable}\` holds more than ${fmt(CONDITION_MAX_INPUT_CHARS)} characters, more than this condition may read within its budget of ${fmt(CONDITION_COST_BUDGET)} steps`;
  return undefined;
}

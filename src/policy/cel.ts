/**
 * CEL conditions (and cost expressions) over `args`, `agent`, `tool` and `context`, compiled once and evaluated
 * per call.
 * Library: @marcbachmann/cel-js (a tree-walking interpreter: no eval, runs in workerd); see bench/cel.bench.ts.
 * JSON numbers stay CEL doubles (the CEL JSON mapping); comparisons with int literals are exact.
 * Every expression runs within a cost budget (src/policy/cel-cost.ts): refused when compiled if its worst case
 * could pass it, stopped before it runs when a call's variables are larger than that worst case assumed.
 */
import { Environment } from "@marcbachmann/cel-js";
import { estimateCost, inputOverLimit, measureInput, type InputLimit, type InputSize } from "./cel-cost";
import { toCelValue } from "./cel-value";
import { conditionParts, type ConditionAtom } from "./condition-atoms";
import type { AgentFacts, CallContext, ToolFacts } from "./types";

/** The variables a condition can read. */
export interface ConditionVars {
  args: unknown;
  agent: AgentFacts;
  tool: ToolFacts;
  context: CallContext;
}

/** The reason code of an evaluation stopped because it would pass its cost budget (src/policy/cel-cost.ts). */
export const CONDITION_BUDGET_EXCEEDED = "condition_budget_exceeded";

/**
 * The value of one evaluation: whether the condition holds, or the error it raised; `code` is set when the
 * evaluation was stopped for exceeding its budget (fail closed, like any error).
 */
export type ConditionOutcome =
  { ok: true; matched: boolean } | { ok: false; error: string; code?: typeof CONDITION_BUDGET_EXCEEDED };

/** A condition ready to evaluate; evaluate() never throws. */
export interface CompiledCondition {
  readonly source: string;
  /**
   * The simple tests on arguments of a condition that is an `&&` chain holding at least one, when its work does not
   * grow with its inputs (so no call stops it at its budget); null otherwise. decide() indexes these
   * (src/policy/decision-plan.ts).
   */
  readonly atoms: readonly ConditionAtom[] | null;
  /** The chain's other conjuncts, each compiled on its own (empty when the tests are the whole condition). */
  readonly rest: readonly CompiledCondition[];
  evaluate(vars: ConditionVars): ConditionOutcome;
}

/** A compiled condition, or a one-sentence error naming the position (1-based) when it can be located. */
export type ConditionCompilation = { ok: true; condition: CompiledCondition } | { ok: false; error: string };

/** Longest condition accepted, in characters. */
export const MAX_CONDITION_LENGTH = 4000;

const environment = new Environment({
  homogeneousAggregateLiterals: false,
  limits: { maxAstNodes: 2000, maxDepth: 64, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 },
})
  .registerVariable("args", "dyn")
  .registerVariable("agent", "map")
  .registerVariable("tool", "map")
  .registerVariable("context", "map");

interface CelErrorShape {
  name?: unknown;
  code?: unknown;
  summary?: unknown;
  message?: unknown;
  range?: { start?: unknown };
}

function describe(error: unknown): { kind: string; text: string } {
  const shape = (typeof error === "object" && error !== null ? error : {}) as CelErrorShape;
  const text = typeof shape.summary === "string" ? shape.summary : String(shape.message ?? error);
  const start = shape.range?.start;
  const at = typeof start === "number" ? ` at ${start + 1}` : "";
  const kind = shape.name === "ParseError" ? "syntax error" : "type error";
  return { kind: `${kind}${at}`, text: text.split("\n")[0] ?? text };
}

/** A parsed, checked expression and the variables whose size bounds its work (measured before each run). */
interface Checked {
  ok: true;
  program: ReturnType<Environment["parse"]>;
  limits: readonly InputLimit[];
}

/**
 * Parses and type-checks an expression whose type must be one of `types` (or dyn, checked when it runs), and
 * refuses one whose worst case passes the cost budget.
 */
function parseChecked(
  source: string,
  types: readonly string[],
  expected: string,
): Checked | { ok: false; error: string } {
  if (source.length > MAX_CONDITION_LENGTH)
    return { ok: false, error: `is longer than ${MAX_CONDITION_LENGTH} characters` };
  let program: ReturnType<Environment["parse"]>;
  try {
    program = environment.parse(source);
  } catch (error) {
    const { kind, text } = describe(error);
    return { ok: false, error: `CEL ${kind}: ${text}` };
  }
  const checked = program.check();
  if (!checked.valid) {
    const { kind, text } = describe(checked.error);
    return { ok: false, error: `CEL ${kind}: ${text}` };
  }
  const type = checked.type ?? "dyn";
  if (type !== "dyn" && !types.includes(type))
    return { ok: false, error: `gives a value of type ${type}, not ${expected}` };
  const cost = estimateCost(program.ast);
  if (!cost.ok) return cost;
  return { ok: true, program, limits: cost.limits };
}

/** Sizes already measured, per variable's value: decide() passes the same objects to every row of a call. */
const measured = new WeakMap<object, InputSize>();

function sizeOf(value: unknown): InputSize {
  if (typeof value !== "object" || value === null) return measureInput(value);
  let size = measured.get(value);
  if (!size) {
    size = measureInput(value);
    measured.set(value, size);
  }
  return size;
}

/** Why these variables are larger than the program's estimate assumed, or undefined. */
function overBudget(limits: readonly InputLimit[], vars: ConditionVars): string | undefined {
  for (const limit of limits) {
    const over = inputOverLimit(limit, sizeOf(vars[limit.variable as keyof ConditionVars]));
    if (over !== undefined) return over;
  }
  return undefined;
}

/**
 * Evaluates a program within its budget: inputs larger than its estimate assumed stop it before it starts; it
 * retries once with Map-built arguments when the interpreter cannot read them as given.
 */
function evaluated({ program, limits }: Checked, vars: ConditionVars): Run {
  const over = overBudget(limits, vars);
  if (over !== undefined) return { error: over, code: CONDITION_BUDGET_EXCEEDED };
  const first = run(program, vars);
  // Arguments with keys such as `constructor` defeat the interpreter's type detection; a copy made of Maps does not.
  if (first.code !== "unsupported_type") return first;
  return run(program, { ...vars, args: toCelValue(vars.args) });
}

/** Parses and type-checks a condition; an expression that cannot give true or false is refused. */
export function compileCondition(source: string): ConditionCompilation {
  const parsed = parseChecked(source, ["bool"], "true or false");
  if (!parsed.ok) return parsed;
  const parts = parsed.limits.length === 0 ? conditionParts(parsed.program.ast, source) : null;
  const rest: CompiledCondition[] = [];
  for (const text of parts?.rest ?? []) {
    const compiled = text === source ? null : compileCondition(text);
    if (!compiled?.ok) return { ok: true, condition: conditionOf(source, parsed, null, []) };
    rest.push(compiled.condition);
  }
  return { ok: true, condition: conditionOf(source, parsed, parts?.atoms ?? null, rest) };
}

function conditionOf(
  source: string,
  parsed: Checked,
  atoms: readonly ConditionAtom[] | null,
  rest: readonly CompiledCondition[],
): CompiledCondition {
  return {
    source,
    atoms,
    rest,
    evaluate(vars) {
      const { value, error, code } = evaluated(parsed, vars);
      if (error !== undefined)
        return code === CONDITION_BUDGET_EXCEEDED ? { ok: false, error, code } : { ok: false, error };
      if (typeof value === "boolean") return { ok: true, matched: value };
      return { ok: false, error: `gave ${typeNameOf(value)}, not true or false` };
    },
  };
}

/** A call's cost from a cost policy's expression, in the policy's unit, or the error it raised. */
export type CostOutcome = { ok: true; cost: number } | { ok: false; error: string };

/** A cost expression ready to evaluate; evaluate() never throws. */
export interface CompiledCost {
  readonly source: string;
  evaluate(vars: ConditionVars): CostOutcome;
}

/**
 * Parses and type-checks a cost expression such as `args.amount_cents`; one that cannot give a number is refused.
 * At run time the value must be a finite number of at least 0; fractions round up to a whole unit.
 */
export function compileCost(source: string): { ok: true; cost: CompiledCost } | { ok: false; error: string } {
  const parsed = parseChecked(source, ["int", "uint", "double"], "a number");
  if (!parsed.ok) return parsed;
  return {
    ok: true,
    cost: {
      source,
      evaluate(vars) {
        const { value, error, code } = evaluated(parsed, vars);
        if (error !== undefined)
          return { ok: false, error: code === CONDITION_BUDGET_EXCEEDED ? `${code}: ${error}` : error };
        const cost = typeof value === "bigint" ? Number(value) : value;
        if (typeof cost !== "number" || !Number.isFinite(cost) || cost < 0)
          return {
            ok: false,
            error: `gave ${typeof cost === "number" ? cost : typeNameOf(value)}, not a cost of 0 or more`,
          };
        return { ok: true, cost: Math.ceil(cost) };
      },
    },
  };
}

/** A value, or the error the interpreter raised with its error code. */
type Run = { value?: unknown; error?: string; code?: unknown };

function run(program: (vars: ConditionVars) => unknown, vars: ConditionVars): Run {
  try {
    return { value: program(vars) };
  } catch (error) {
    // The engine ran out of stack or string length: the work passed what any budget allows.
    if (error instanceof RangeError) return { error: `stopped: ${error.message}`, code: CONDITION_BUDGET_EXCEEDED };
    const code = typeof error === "object" && error !== null ? (error as CelErrorShape).code : undefined;
    return { error: describe(error).text, code };
  }
}

function typeNameOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Promise) return "a promise";
  return `a ${typeof value}`;
}

/**
 * CEL library choice: compile and evaluation time of realistic policy conditions in @bufbuild/cel and
 * @marcbachmann/cel-js, plus the numeric edge cases policies depend on.
 */
import { celEnv, isCelError, parse as bufParse, plan as bufPlan } from "@bufbuild/cel";
import { Environment } from "@marcbachmann/cel-js";
import { compileCondition } from "../src/policy/cel";
import { CONDITION_COST_BUDGET, CONDITION_MAX_INPUT_VALUES } from "../src/policy/cel-cost";
import { exactly, percentile, type BenchOptions, type BenchReport, type BenchResult } from "./types";

type Evaluator = (vars: Record<string, unknown>) => unknown;

interface Library {
  name: string;
  compile(source: string): Evaluator;
}

const marcEnvironment = new Environment({ homogeneousAggregateLiterals: false })
  .registerVariable("args", "dyn")
  .registerVariable("agent", "map")
  .registerVariable("tool", "map")
  .registerVariable("context", "map");
const bufEnvironment = celEnv();

const LIBRARIES: Library[] = [
  {
    name: "marcbachmann",
    compile(source) {
      const program = marcEnvironment.parse(source);
      if (!program.check().valid) throw new Error(`does not type-check: ${source}`);
      return (vars) => program(vars);
    },
  },
  {
    name: "bufbuild",
    compile(source) {
      const program = bufPlan(bufEnvironment, bufParse(source));
      return (vars) => {
        const value = program(vars as never);
        if (isCelError(value)) throw value;
        return value;
      };
    },
  },
];

const VARS = {
  args: { amount_cents: 60_000, email: "pat@example.com", x: "abcd", customer_id: "cus_001" },
  agent: { id: "agt_1", name: "a", owner: "ana@example.com", scopes: ["support"] },
  tool: { name: "payments.create_refund", host: "payments", annotations: { readOnlyHint: false } },
  context: { user: null, workspace: "acme", now: "2026-07-06T10:00:00Z" },
};

const CASES: Record<string, string> = {
  amount: "args.amount_cents > 50000",
  membership: 'agent.name in ["a", "b"] && tool.host == "payments"',
  ends_with: 'args.email.endsWith("@example.com")',
  has_size: "has(args.x) && args.x.size() > 3",
};

/** Numeric and shape edge cases a policy engine cannot get wrong: [source, args, expected]. */
const EDGE_CASES: [string, Record<string, unknown>, boolean][] = [
  ["args.n < 9007199254740993", { n: 9007199254740992 }, true],
  ["args.n >= 9007199254740993", { n: 9007199254740992 }, false],
  ["args.amount_cents > 50000", { amount_cents: 50000.5 }, true],
  ["args.f == 1", { f: 1 }, true],
  ["args.o.a == 1", { o: Object.assign(Object.create(null), { a: 1 }) }, true],
];

const terms = (count: number, term: (i: number) => string, join: string) =>
  Array.from({ length: count }, (_, i) => term(i)).join(join);
const ONE_MIB = "a".repeat(1024 * 1024 - 100);

/**
 * Conditions the cost estimate accepts close to the budget, each with the argument that makes it work hardest
 * (a list of as many values as the run-time check lets through, or a string as long as a request can carry).
 */
const WORST_ACCEPTED: Record<string, { source: string; args: () => Record<string, unknown> }> = {
  int_loop: {
    source: `args.items.all(x, ${terms(4, (i) => `x != ${-i - 1}`, " && ")})`,
    args: () => ({ items: Array.from({ length: CONDITION_MAX_INPUT_VALUES - 10 }, (_, i) => i + 1) }),
  },
  string_loop: {
    source: `args.items.all(x, ${terms(2, (i) => `!x.contains("q${i}")`, " && ")} && x.lowerAscii() != "q")`,
    args: () => ({ items: Array.from({ length: CONDITION_MAX_INPUT_VALUES - 10 }, (_, i) => `x${i}`) }),
  },
  field_loop: {
    source: `args.items.exists(x, ${terms(3, () => "x.sku == args.sku", " || ")})`,
    args: () => ({ sku: "zz", items: Array.from({ length: 4_990 }, (_, i) => ({ sku: `s${i}` })) }),
  },
  size_1mib: { source: "args.memo.size() > 0", args: () => ({ memo: ONE_MIB }) },
};

/** Milliseconds each worst accepted condition takes on its worst argument (median of `runs`). */
function worstAccepted(runs: number, log: (line: string) => void): BenchResult[] {
  const vars = { agent: VARS.agent, tool: VARS.tool, context: VARS.context };
  return Object.entries(WORST_ACCEPTED).map(([label, { source, args }]) => {
    const compiled = compileCondition(source);
    if (!compiled.ok) throw new Error(`the budget refuses ${label}: ${compiled.error}`);
    const samples: number[] = [];
    for (let run = 0; run <= runs; run++) {
      // A fresh argument each run, as each call brings its own: the size check is not cached across calls.
      const fresh = { ...vars, args: args() } as never;
      const start = performance.now();
      const outcome = compiled.condition.evaluate(fresh);
      if (run > 0) samples.push(performance.now() - start);
      if (!outcome.ok) throw new Error(`${label} failed: ${outcome.error}`);
    }
    const ms = percentile(samples, 50);
    log(`budget ${label}: ${ms.toFixed(1)} ms`);
    return { name: `cel.budget.worst_ms.${label}`, unit: "ms", value: round(ms) };
  });
}

function edgeFailures(library: Library): string[] {
  const failures: string[] = [];
  for (const [source, args, expected] of EDGE_CASES) {
    let got: unknown;
    try {
      got = library.compile(source)({ ...VARS, args });
    } catch (error) {
      got = `error (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`;
    }
    if (got !== expected) failures.push(`\`${source}\` with ${JSON.stringify(args)} gave ${String(got)}`);
  }
  return failures;
}

function timeBatches(run: () => void, batches: number, perBatch: number): number[] {
  const samples: number[] = [];
  for (let b = 0; b < batches; b++) {
    const start = performance.now();
    for (let i = 0; i < perBatch; i++) run();
    samples.push(((performance.now() - start) * 1e6) / perBatch);
  }
  return samples;
}

/** Runs the CEL comparison. */
export default async function celBench({ smoke, log }: BenchOptions): Promise<BenchReport> {
  const batches = smoke ? 50 : 400;
  const perBatch = 100;
  const results: BenchResult[] = [];
  const medians = new Map<string, number>();
  for (const library of LIBRARIES) {
    for (const [label, source] of Object.entries(CASES)) {
      const compileNs = timeBatches(() => library.compile(source), smoke ? 20 : 100, 20);
      const evaluate = library.compile(source);
      if (evaluate(VARS) !== true) throw new Error(`${library.name} gave the wrong answer for ${source}`);
      timeBatches(() => evaluate(VARS), 20, perBatch);
      const evalNs = percentile(
        timeBatches(() => evaluate(VARS), batches, perBatch),
        50,
      );
      const compileUs = percentile(compileNs, 50) / 1000;
      results.push({ name: `cel.${library.name}.compile_us.${label}`, unit: "µs", value: round(compileUs) });
      results.push({ name: `cel.${library.name}.eval_ns.${label}`, unit: "ns", value: Math.round(evalNs) });
      medians.set(`${library.name}.${label}`, evalNs);
      medians.set(`${library.name}.${label}.compile`, compileUs);
      log(`${library.name} ${label}: compile ${round(compileUs)} µs, eval ${Math.round(evalNs)} ns`);
    }
  }
  const ratios = Object.keys(CASES).map(
    (label) => (medians.get(`bufbuild.${label}`) ?? NaN) / (medians.get(`marcbachmann.${label}`) ?? NaN),
  );
  const marcFaster = ratios.every((ratio) => ratio > 1);
  const compileRatios = Object.keys(CASES).map(
    (label) =>
      (medians.get(`bufbuild.${label}.compile`) ?? NaN) / (medians.get(`marcbachmann.${label}.compile`) ?? NaN),
  );
  results.push(...worstAccepted(smoke ? 3 : 15, log));
  const span = (values: number[]) => `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}×`;
  const failures = LIBRARIES.map((library) => ({ name: library.name, failures: edgeFailures(library) }));
  for (const { name, failures: list } of failures)
    results.push({ name: `cel.${name}.edge_cases_right`, unit: "cases", value: EDGE_CASES.length - list.length });
  const chosen = failures.find((f) => f.name === "marcbachmann")!.failures;
  const chosenEdges =
    chosen.length === 0
      ? `gets all ${EDGE_CASES.length} edge cases above right`
      : `gets ${EDGE_CASES.length - chosen.length} of the ${EDGE_CASES.length} edge cases above right (wrong in this run: ${chosen.join("; ")})`;
  const compileFaster = compileRatios.every((ratio) => ratio > 1);
  const failureText = failures
    .map(({ name, failures: list }) =>
      list.length === 0 ? `- ${name}: all ${EDGE_CASES.length} edge cases right.` : `- ${name}: ${list.join("; ")}.`,
    )
    .join("\n");
  return {
    title: "CEL library choice (cel.*)",
    results,
    notes: [
      {
        name: "cel.marcbachmann.eval_ns.amount",
        note: `bufbuild is ${span(ratios)} slower to evaluate and ${span(compileRatios)} slower to compile`,
      },
      {
        name: "cel.marcbachmann.edge_cases_right",
        target: exactly(EDGE_CASES.length, "cases"),
        summary: "CEL edge cases the engine's library gets right",
      },
    ],
    method: `
Each condition is compiled (parse + type-check for cel-js, parse + plan for bufbuild) and evaluated against
the same variables; figures are medians of batch means (${perBatch} evaluations per batch, so timer overhead is
amortised), in Node ${process.version}. Cases: ${Object.entries(CASES)
      .map(([label, source]) => `\`${label}\` = \`${source}\``)
      .join(", ")}.

Edge cases (JSON numbers arrive as JS doubles; a comparison with an int literal must be mathematically right;
arguments may be null-prototype objects):
${failureText}

Both libraries are tree-walking interpreters with no \`eval\`/\`new Function\`, and both compile and evaluate
inside workerd (test/policy/cel-libraries.test.ts). The engine uses **@marcbachmann/cel-js**: ${
      marcFaster ? "it evaluated faster on every case in this run" : "its speed was not uniformly better in this run"
    }, ${
      compileFaster
        ? `it compiled ${span(compileRatios)} faster`
        : `it did not compile faster on every case (bufbuild took ${span(compileRatios)} its time)`
    }, type-checks at compile time (unknown variables and non-boolean conditions are
refused before a row is accepted), reports error positions, and ${chosenEdges}.

\`cel.budget.worst_ms.*\`: conditions the cost estimate accepts close to its budget of ${CONDITION_COST_BUDGET.toLocaleString("en-US")}
steps (src/policy/cel-cost.ts), each evaluated on its worst argument (${CONDITION_MAX_INPUT_VALUES.toLocaleString("en-US")} values less a few, or a 1 MiB
string), median of the runs: the longest one row's condition can take on one call. Cases: ${Object.entries(
      WORST_ACCEPTED,
    )
      .map(([label, { source }]) => `\`${label}\` = \`${source.length > 80 ? `${source.slice(0, 77)}…` : source}\``)
      .join(", ")}.
`,
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

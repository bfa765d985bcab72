import { describe, expect, it } from "vitest";
import { compileCondition, compileCost, type ConditionVars } from "../../src/policy/cel";
import {
  CONDITION_COST_BUDGET,
  CONDITION_MAX_INPUT_CHARS,
  CONDITION_MAX_INPUT_VALUES,
  inputOverLimit,
  measureInput,
} from "../../src/policy/cel-cost";
import { request } from "./helpers";

function refusal(source: string): string {
  const compiled = compileCondition(source);
  if (compiled.ok) throw new Error(`${source} was accepted`);
  return compiled.error;
}

function evaluate(source: string, args: unknown) {
  const compiled = compileCondition(source);
  if (!compiled.ok) throw new Error(compiled.error);
  const { agent, tool, context } = request();
  return compiled.condition.evaluate({ args, agent, tool, context } satisfies ConditionVars);
}

const tooMany = Array.from({ length: CONDITION_MAX_INPUT_VALUES + 1 }, (_, i) => i);

describe("the cost estimate of a condition", () => {
  it.each([
    "args.amount_cents > 50000",
    'args.email.endsWith("@example.com")',
    "args.items.all(x, x > 0)",
    "args.items.exists(x, x.sku == args.sku)",
    "args.orders.all(o, o.lines.all(l, l.qty < 10))",
    'args.tags.exists(t, t in ["vip", "press", "legal"])',
    'args.code.matches("^[A-Z]{2}-[0-9]{1,6}$")',
    "has(args.memo) && args.memo.size() > 3",
    "args.items.map(x, x * 2).exists(y, y > 10)",
    "timestamp(context.now).getDayOfWeek() == 1",
  ])("accepts %s", (source) => {
    expect(compileCondition(source).ok).toBe(true);
  });

  it.each([
    ["two comprehensions over argument lists nested", "args.a.all(x, args.b.exists(y, x == y))"],
    [
      "three comprehensions over one list nested",
      "args.items.all(x, args.items.all(y, args.items.exists(z, x == y && y == z)))",
    ],
    ["a comprehension over a split argument", 'args.csv.split(",").exists(p, p == "x")'],
    ["a string doubled until it is huge", "cel.bind(a, args.s + args.s, cel.bind(b, a + a, b.size() > 0))"],
    ["an unanchored regex over a long argument", 'args.s.matches("[a-z]{1,20}b")'],
  ])("refuses %s with the budget in the reason", (_, source) => {
    const reason = refusal(source);
    expect(reason).toMatch(/^is too costly: on arguments of up to 10,000 values it can take about \S+ steps/);
    expect(reason).toContain(`over the budget of ${CONDITION_COST_BUDGET.toLocaleString("en-US")}`);
  });

  it("names where the cost comes from and what to do about it", () => {
    expect(refusal("args.a.size() > 0 && args.b.all(x, args.c.exists(y, x == y))")).toContain(
      "(from `all()` at 22); do not nest comprehensions over argument lists",
    );
    expect(refusal('args.s.matches("[a-z]{1,20}b")')).toContain(
      "(from `matches()` at 1); start the pattern with ^ so it is tried once",
    );
  });

  it.each([
    ["a pattern taken from the arguments", "args.s.matches(args.p)", "is not a quoted string"],
    ["a pattern that can backtrack", 'args.s.matches("^(a+)+$")', "repeats a group that itself contains a repeat"],
    ["an unbounded repeat", 'args.s.matches("^a+$")', "has a repeat with no upper limit"],
    ["a backreference", 'args.s.matches("^(a)\\\\1$")', "refers back to an earlier group"],
  ])("refuses `matches` with %s", (_, source, reason) => {
    expect(refusal(source)).toContain(`uses \`matches\` with a pattern`);
    expect(refusal(source)).toContain(reason);
  });

  it("refuses comprehensions nested too deeply to estimate, each over the element before", () => {
    let nested = "x0 > 0";
    for (let i = 0; i < 18; i++) nested = `x${i + 1}.all(x${i}, ${nested})`;
    expect(refusal(nested.replace("x18.", "args."))).toMatch(/^nests too many comprehensions to estimate its cost/);
  });

  it("bounds cost expressions by the same budget", () => {
    const compiled = compileCost("double(args.a.filter(x, args.b.exists(y, x == y)).size())");
    expect(compiled).toMatchObject({ ok: false, error: expect.stringMatching(/^is too costly/) });
  });
});

describe("the run-time budget", () => {
  it("stops a comprehension over a list longer than the estimate assumed, before it runs", () => {
    expect(evaluate("args.items.exists(x, x == -1)", { items: tooMany })).toEqual({
      ok: false,
      code: "condition_budget_exceeded",
      error: `\`args\` holds more than ${CONDITION_MAX_INPUT_VALUES.toLocaleString("en-US")} values, more than this condition may read within its budget of ${CONDITION_COST_BUDGET.toLocaleString("en-US")} steps`,
    });
  });

  it("evaluates a list just within the limit", () => {
    const items = tooMany.slice(0, CONDITION_MAX_INPUT_VALUES - 2);
    expect(evaluate("args.items.exists(x, x == -1)", { items })).toEqual({ ok: true, matched: false });
  });

  it("leaves conditions whose work does not grow with the arguments alone", () => {
    expect(evaluate("args.amount_cents > 10", { amount_cents: 20, items: tooMany })).toEqual({
      ok: true,
      matched: true,
    });
    expect(evaluate('args.email.endsWith("@x.com")', { email: "a@x.com", items: tooMany })).toEqual({
      ok: true,
      matched: true,
    });
  });

  it("reads only the variables a condition's cost depends on", () => {
    expect(evaluate('"support" in agent.scopes', { items: tooMany })).toEqual({ ok: true, matched: true });
  });

  it("stops a string function over more characters than a request can carry", () => {
    const outcome = evaluate('args.memo.contains("x")', { memo: "a".repeat(CONDITION_MAX_INPUT_CHARS + 1) });
    expect(outcome).toMatchObject({ ok: false, code: "condition_budget_exceeded" });
  });

  it("reports a cost expression stopped at its budget with the reason code", () => {
    const compiled = compileCost("args.items.exists(x, x > 100) ? 100.0 : 1.0");
    if (!compiled.ok) throw new Error(compiled.error);
    const { agent, tool, context } = request();
    const outcome = compiled.cost.evaluate({ args: { items: tooMany }, agent, tool, context });
    expect(outcome).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^condition_budget_exceeded: `args` holds/),
    });
  });
});

describe("measuring a variable", () => {
  it("counts every value and character, keys included", () => {
    expect(measureInput({ ab: ["xyz", 1, { c: null }] })).toEqual({ values: 6, chars: 6 });
  });

  it("judges a list longer than the limit without walking it", () => {
    expect(measureInput({ items: Array.from({ length: 100_000 }, () => 0) }).values).toBe(100_002);
  });

  it("stops just past the limit when many small lists add up", () => {
    const size = measureInput(Array.from({ length: 5_000 }, () => [1, 2, 3]));
    expect(size.values).toBe(CONDITION_MAX_INPUT_VALUES + 1);
  });

  it("measures arguments nested far deeper than the call stack allows", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 5_000; i++) deep = [deep];
    expect(measureInput(deep)).toEqual({ values: 5_001, chars: 0 });
  });

  it("judges only the sizes a condition depends on", () => {
    const big = { values: CONDITION_MAX_INPUT_VALUES + 1, chars: 0 };
    expect(inputOverLimit({ variable: "args", values: false, chars: true }, big)).toBeUndefined();
    expect(inputOverLimit({ variable: "args", values: true, chars: false }, big)).toMatch(/^`args` holds more than/);
  });
});

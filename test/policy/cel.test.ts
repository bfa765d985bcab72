import { describe, expect, it } from "vitest";
import { compileCondition, type ConditionVars } from "../../src/policy/cel";
import { request } from "./helpers";

function evaluate(source: string, args: Record<string, unknown>) {
  const compiled = compileCondition(source);
  if (!compiled.ok) throw new Error(compiled.error);
  const { agent, tool, context } = request();
  return compiled.condition.evaluate({ args, agent, tool, context } satisfies ConditionVars);
}

describe("CEL conditions inside workerd", () => {
  it.each([
    ["args.amount_cents > 50000", { amount_cents: 60000 }, true],
    ["args.amount_cents > 50000", { amount_cents: 50000 }, false],
    ["args.amount_cents > 50000", { amount_cents: 50000.5 }, true],
    ["args.amount_cents >= 50000", { amount_cents: 50000 }, true],
    ["args.amount_cents == 60000", { amount_cents: 60000 }, true],
    ["args.n < 9007199254740993", { n: 9007199254740992 }, true],
    ["args.n == 9007199254740993", { n: 9007199254740992 }, false],
    ["args.h > 0 && args.h < 1", { h: 0.5 }, true],
    ["args.amount_cents > 50000.5", { amount_cents: 50000 }, false],
    ['agent.name in ["refund-bot", "b"] && tool.host == "payments"', {}, true],
    ['args.email.endsWith("@example.com")', { email: "x@example.com" }, true],
    ["has(args.x) && args.x.size() > 3", { x: "abcd" }, true],
    ["has(args.x) && args.x.size() > 3", {}, false],
    ['"support" in agent.scopes', {}, true],
    ["timestamp(context.now).getDayOfWeek() == 1", {}, true],
  ])("%s with %j is %s", (source, args, expected) => {
    expect(evaluate(source, args)).toEqual({ ok: true, matched: expected });
  });

  it.each([
    ["a missing field", "args.missing > 3", {}],
    ["a type mismatch", "args.email > 3", { email: "x" }],
    ["a non-boolean result", "args.x", { x: "abc" }],
    ["a __proto__ lookup", "args.__proto__ == null", {}],
  ])("returns %s as an error value instead of throwing", (_, source, args) => {
    const outcome = evaluate(source, args);
    expect(outcome.ok).toBe(false);
  });

  it.each([
    ["args.amount_cents >", /^CEL syntax error at 20: /],
    ["amount > 5", /^CEL type error at 1: Unknown variable: amount/],
    ["1 + 2", /not true or false/],
    ["x".repeat(5000), /longer than/],
  ])("refuses %s at compile time", (source, reason) => {
    const compiled = compileCondition(source);
    expect(compiled.ok).toBe(false);
    if (!compiled.ok) expect(compiled.error).toMatch(reason);
  });
});

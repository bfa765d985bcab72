import { celEnv, isCelError, parse, plan } from "@bufbuild/cel";
import { Environment } from "@marcbachmann/cel-js";
import { describe, expect, it } from "vitest";

const vars = {
  args: { amount_cents: 60000, email: "pat@example.com" },
  agent: { name: "a" },
  tool: { host: "payments" },
};
const source = 'args.amount_cents > 50000 && args.email.endsWith("@example.com") && agent.name in ["a", "b"]';

describe("both CEL candidates inside workerd, where eval and new Function are forbidden", () => {
  it("@marcbachmann/cel-js compiles once and evaluates", () => {
    const program = new Environment({ unlistedVariablesAreDyn: true }).parse(source);
    expect(program(vars)).toBe(true);
    expect(program({ ...vars, args: { ...vars.args, amount_cents: 10 } })).toBe(false);
  });

  it("@bufbuild/cel compiles once and evaluates", () => {
    const program = plan(celEnv(), parse(source));
    const value = program(vars);
    expect(isCelError(value) ? value.message : value).toBe(true);
  });
});

import { hashOf, type JsonValue } from "../../ledger";
import { matchesGlob } from "../../policy";
import { inspectArguments } from "../arguments";
import type { CallState, Validated } from "../call-state";
import { invalid, next, type Step } from "../ending";
import type { PipelineDeps } from "../ports";

/**
 * Validate: the tool is one the agent may see and its tenant has, and the arguments are a plain JSON object that
 * matches the tool's input schema. Otherwise the call ends `invalid` before any policy looks at it.
 */
export async function validate(
  deps: Pick<PipelineDeps, "tools" | "validateArguments">,
  state: CallState,
): Promise<Step<Validated>> {
  const { name, call } = state;
  const { tenant, agent } = call.principal;
  // Tools are found by the name as sent; `name`, redacted and bounded, is only what answers and records show.
  const visible = agent.allowed_tools.some((pattern) => matchesGlob(pattern, call.name));
  const resolved = visible ? await deps.tools.resolve(tenant.id, call.name).catch(() => null) : null;
  if (!resolved) return invalid(state, "unknown_tool", `No tool named "${name}" is available to this agent.`);
  const known = { ...state, descriptor: resolved.descriptor };
  const args = call.args ?? {};
  const problem = inspectArguments(args);
  if (problem)
    return invalid(known, "invalid_arguments", problem.message, {
      errors: [{ path: problem.path, message: problem.message }],
    });
  const checked = deps.validateArguments(resolved.descriptor, args as Record<string, unknown>);
  // The tool's own schema is at fault (a regex RE2 cannot run, a $ref loop): say so, not "bad arguments".
  if (!checked.ok && checked.code) return invalid(known, checked.code, checked.errors[0]?.message ?? checked.code);
  if (!checked.ok)
    return invalid(
      known,
      "invalid_arguments",
      `The arguments do not match ${name}'s input schema: ${described(checked.errors[0])}.`,
      { errors: checked.errors.slice(0, 20) as unknown as JsonValue },
    );
  const valid = args as Record<string, unknown>;
  return next({ ...known, host: resolved.host, args: valid, args_hash: await hashOf(valid) });
}

/** An argument error in words: `fields is required`, `amount_cents must be >= 1` (the pointer as a dotted path). */
function described(error: { path: string; message: string } | undefined): string {
  if (!error) return "invalid";
  const path = error.path
    .split("/")
    .slice(1)
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"));
  return path.length > 0 ? `${path.join(".")} ${error.message}` : error.message;
}

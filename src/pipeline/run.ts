import { startCall, type CallState, type ToolCall, type ToolCallResult } from "./call-state";
import type { Ending, Step } from "./ending";
import type { PipelineDeps } from "./ports";
import { adapter } from "./stages/adapter";
import { approval, seekApproval } from "./stages/approval";
import { budget } from "./stages/budget";
import { caller } from "./stages/caller";
import { faultedBeforeRun } from "./stages/faulted";
import { guards } from "./stages/guards";
import { policy } from "./stages/policy";
import { record } from "./stages/record";
import { validate } from "./stages/validate";
import { stopwatch, type Stopwatch } from "./stopwatch";

export { correlationOf, recordable, type ToolCall, type ToolCallResult } from "./call-state";
export { ESCALATION_META_KEY, NEW_APPROVAL_META_KEY } from "./stages/approval";

/**
 * Runs one tool call through validate → caller → policy → guards → approval → budget → adapter → record and returns the
 * outcome. The only way to a host. Never throws: a stage that throws unexpectedly ends the call `failed` /
 * `internal_error`, and the record stage still writes its decision and outcome entries.
 */
export async function runToolCall(deps: PipelineDeps, call: ToolCall): Promise<ToolCallResult> {
  const watch = stopwatch(deps.clock);
  const reached: Reached = { state: startCall(deps, call) };
  const ending = await stages(deps, reached, watch).catch((error) => faultedBeforeRun(deps, reached.state, error));
  return record(deps, ending, watch);
}

/** The last state a stage handed on: what a fault's records say was known (the adapter handles its own faults). */
interface Reached {
  state: CallState;
}

/** Each stage hands the call on or ends it; a pause-mode cap sends it through approval and budget once more. */
async function stages(deps: PipelineDeps, reached: Reached, { time }: Stopwatch): Promise<Ending> {
  const at = <S extends CallState, T extends Step<S> | { kind: "hold"; state: S }>(step: T): T => {
    if (step.kind !== "end") reached.state = step.state;
    return step;
  };
  const validated = at(await time("validate", validate(deps, reached.state)));
  if (validated.kind === "end") return validated;
  const identified = at(await time("policy", caller(deps, validated.state)));
  if (identified.kind === "end") return identified;
  const decided = at(await time("policy", policy(identified.state)));
  if (decided.kind === "end") return decided;
  const screened = at(await time("policy", guards(deps, decided.state)));
  if (screened.kind === "end") return screened;
  const approved = at(await time("approval", approval(deps, screened.state)));
  if (approved.kind === "end") return approved;
  let budgeted = at(await time("approval", budget(deps, approved.state)));
  if (budgeted.kind === "hold") {
    // The cap holds the call for a budget increase: once a person allows the overrun, the approval lifts the cap.
    const increase = at(await time("approval", seekApproval(deps, budgeted.state, budgeted.held)));
    if (increase.kind === "end") return increase;
    budgeted = at(await time("approval", budget(deps, increase.state)));
  }
  if (budgeted.kind === "end") return budgeted;
  return time("adapter", adapter(deps, budgeted.state));
}

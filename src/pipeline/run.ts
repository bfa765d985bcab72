import { startCall, type CallState, type ToolCall, type ToolCallResult } from "./call-state";
import type { Ending } from "./ending";
import type { PipelineDeps } from "./ports";
import { adapter } from "./stages/adapter";
import { approval, seekApproval } from "./stages/approval";
import { budget } from "./stages/budget";
import { guards } from "./stages/guards";
import { policy } from "./stages/policy";
import { record } from "./stages/record";
import { validate } from "./stages/validate";
import { stopwatch, type Stopwatch } from "./stopwatch";

export { correlationOf, recordable, type ToolCall, type ToolCallResult } from "./call-state";
export { ESCALATION_META_KEY, NEW_APPROVAL_META_KEY } from "./stages/approval";

/**
 * Runs one tool call through validate → policy → guards → approval → budget → adapter → record and returns the
 * outcome. The only way to a host. Never throws for expected outcomes; infrastructure faults before the adapter runs
 * end as `failed` without running it.
 */
export async function runToolCall(deps: PipelineDeps, call: ToolCall): Promise<ToolCallResult> {
  const watch = stopwatch(deps.clock);
  const ending = await stages(deps, startCall(deps, call), watch);
  return record(deps, ending, watch);
}

/** Each stage hands the call on or ends it; a pause-mode cap sends it through approval and budget once more. */
async function stages(deps: PipelineDeps, start: CallState, { time }: Stopwatch): Promise<Ending> {
  const validated = await time("validate", validate(deps, start));
  if (validated.kind === "end") return validated;
  const decided = await time("policy", policy(validated.state));
  if (decided.kind === "end") return decided;
  const screened = await time("policy", guards(deps, decided.state));
  if (screened.kind === "end") return screened;
  const approved = await time("approval", approval(deps, screened.state));
  if (approved.kind === "end") return approved;
  let budgeted = await time("approval", budget(deps, approved.state));
  if (budgeted.kind === "hold") {
    // The cap holds the call for a budget increase: once a person allows the overrun, the approval lifts the cap.
    const increase = await time("approval", seekApproval(deps, budgeted.state, budgeted.held));
    if (increase.kind === "end") return increase;
    budgeted = await time("approval", budget(deps, increase.state));
  }
  if (budgeted.kind === "end") return budgeted;
  return time("adapter", adapter(deps, budgeted.state));
}

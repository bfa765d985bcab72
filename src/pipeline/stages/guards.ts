import { guardArguments } from "../../guards/arguments";
import type { GuardStop } from "../../guards/screen";
import type { Decided, Screened } from "../call-state";
import { denied, next, type Step } from "../ending";
import type { Denial } from "../outcome";
import type { PipelineDeps } from "../ports";
import { decidedBy } from "./policy";

/**
 * Guards: privacy and content policies (and their moderation pass) read the arguments. PII leaves every record; a
 * guard may deny the call, hold it for approval, or redact what the host receives. Their alerts and Shadow results
 * join the decision's.
 */
export async function guards(deps: Pick<PipelineDeps, "moderate">, state: Decided): Promise<Step<Screened>> {
  const { decision } = state;
  const screening = await guardArguments(
    decision.guards,
    state.args,
    { tenant_id: state.call.principal.tenant.id, invocation_id: state.invocation_id, tool: state.name },
    deps.moderate,
  );
  const guarded = {
    ...decision,
    alerts: [...decision.alerts, ...screening.alerts],
    shadow: [...decision.shadow, ...screening.shadow],
  };
  const { stop } = screening;
  if (stop?.effect === "deny")
    return denied({ ...state, screening, decision: decidedBy(guarded, stop.policy, "denied") }, guardDenial(stop));
  // A call already held for approval needs one approval, whatever else would hold it.
  const held = stop?.effect === "hold" && guarded.decision !== "escalated";
  return next({ ...state, screening, decision: held ? decidedBy(guarded, stop.policy, "escalated") : guarded });
}

/** What the agent is told when a guard denies the call. */
function guardDenial(stop: GuardStop): Denial {
  const { code, message, retryable } = stop.denial ?? {
    code: stop.policy.reason_code,
    message: stop.policy.message,
    retryable: false,
  };
  return { code, message, retryable, details: stop.details };
}

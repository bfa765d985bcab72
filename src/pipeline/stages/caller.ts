import { callerClaims, callerFacts } from "../caller-facts";
import type { Identified, Validated } from "../call-state";
import { denied, next, type Step } from "../ending";
import type { PipelineDeps } from "../ports";

/**
 * Caller: the person acted for, the workspace and the run become verified facts (caller-facts.ts), once, before any
 * policy looks at them. A claim nothing backs denies the call with its reason code (`on_behalf_of_mismatch`,
 * `not_acting_for`, `workspace_not_allowed`, `unknown_run`), recorded like every denial.
 */
export async function caller(deps: Pick<PipelineDeps, "runs" | "now">, state: Validated): Promise<Step<Identified>> {
  const { principal, snapshot } = state.call;
  const claims = callerClaims(state.call.meta);
  const owner = { tenant_id: principal.tenant.id, agent_id: principal.agent.id };
  const run =
    typeof claims.run_id === "string" && claims.run_id.length > 0
      ? await deps.runs.check(claims.run_id, owner, deps.now())
      : null;
  const verified = callerFacts(principal, claims, run);
  if (verified.ok) return next({ ...state, caller: verified.facts });
  const { code, message } = verified.refusal;
  const decision = {
    decision: "denied" as const,
    reason_code: code,
    message,
    policy_ids: [],
    policy_count: 0,
    policy_name: null,
    alerts: [],
    shadow: [],
    condition_errors: [],
    tags: [],
    approvers: [],
    snapshot: snapshot.hash,
    guards: [],
  };
  return denied({ ...state, decision }, { code, message, retryable: false });
}

import { decide, type CompiledPolicy } from "../../policy";
import type { Decision } from "../../policy/types";
import type { Decided, Identified } from "../call-state";
import { denied, next, type Step } from "../ending";

/**
 * Policy: decide() answers for the call from the tenant's snapshot, the tool, the agent, the arguments and the
 * context (the verified person acted for, workspace and run, the other correlation ids, the time). A denial ends
 * the call.
 */
export function policy(state: Identified): Step<Decided> {
  const { call, name, descriptor } = state;
  const { agent } = call.principal;
  const facts = {
    tool: { name, host: descriptor.host, annotations: descriptor.annotations },
    agent: { id: agent.id, name: agent.name, owner: agent.owner, scopes: agent.scopes },
    context: {
      user: state.caller.user,
      workspace: state.caller.workspace,
      ...state.correlation,
      run_id: state.caller.run_id,
      now: state.started_at,
    },
  };
  const decision = decide(call.snapshot, { ...facts, args: state.args });
  const decided = { ...state, decision, facts };
  if (decision.decision !== "denied") return next(decided);
  return denied(decided, {
    code: decision.reason_code,
    message: decision.message,
    retryable: false,
    details: { policy: decision.policy_ids[0] ?? null, policy_name: decision.policy_name },
  });
}

/** The decision as one guard policy makes it: denied by it, or held for approval under it. */
export function decidedBy(decision: Decision, policy: CompiledPolicy, verdict: "denied" | "escalated"): Decision {
  return {
    ...decision,
    decision: verdict,
    reason_code: policy.reason_code,
    message: policy.message,
    policy_ids: [policy.policy_id],
    policy_count: 1,
    policy_name: policy.name,
    approvers: verdict === "escalated" ? [...policy.approvers] : [],
  };
}

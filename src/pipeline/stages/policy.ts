import { decide, type CompiledPolicy } from "../../policy";
import type { Decision } from "../../policy/types";
import { metaString, type Decided, type Validated } from "../call-state";
import { denied, next, type Step } from "../ending";

/**
 * Policy: decide() answers for the call from the tenant's snapshot, the tool, the agent, the arguments and the
 * context (the person acted for, the workspace, the correlation ids, the time). A denial ends the call.
 */
export function policy(state: Validated): Step<Decided> {
  const { call, name, descriptor } = state;
  const { agent } = call.principal;
  const facts = {
    tool: { name, host: descriptor.host, annotations: descriptor.annotations },
    agent: { id: agent.id, name: agent.name, owner: agent.owner, scopes: agent.scopes },
    context: {
      user: metaString(call.meta, "on_behalf_of") ?? agent.owner,
      workspace: metaString(call.meta, "workspace"),
      ...state.correlation,
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
    details: { policy: decision.policy_ids[0] ?? null, policy_name: decision.policy_names[0] ?? null },
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
    policy_names: [policy.name],
    approvers: verdict === "escalated" ? [...policy.approvers] : [],
  };
}

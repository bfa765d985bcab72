import { admitsAgent, admitsUser } from "./applies-to";
import { CONDITION_BUDGET_EXCEEDED, type ConditionVars } from "./cel";
import type { CompiledPolicy, PolicySnapshot } from "./compile";
import { POSTURE_REASON, postureClause, toolClassOf } from "./posture";
import type { ConditionError, Decision, DecisionRequest, ShadowResult } from "./types";

/**
 * Decides one call against a snapshot. Pure and total: it never throws; an internal fault yields a
 * `denied` decision with reason `policy_engine_error` (fail closed).
 */
export function decide(snapshot: PolicySnapshot, request: DecisionRequest): Decision {
  try {
    return decideOrThrow(snapshot, request);
  } catch (error) {
    return engineError(snapshot, error);
  }
}

function decideOrThrow(snapshot: PolicySnapshot, request: DecisionRequest): Decision {
  const { tool, agent, context } = request;
  const candidates = snapshot.candidates(tool.name);
  const workspace = context.workspace ?? null;
  let vars: ConditionVars | undefined;
  const shadow: ShadowResult[] = [];
  const conditionErrors: ConditionError[] = [];
  const alerts: string[] = [];
  const tags: string[] = [];
  const blocks: CompiledPolicy[] = [];
  const pauses: CompiledPolicy[] = [];
  const allows: CompiledPolicy[] = [];
  const guards: CompiledPolicy[] = [];
  /** Rows that apply only because their condition was stopped at its budget: they decide with its reason code. */
  const overBudget = new Set<CompiledPolicy>();

  for (const policy of candidates) {
    if (!admitsAgent(policy, agent, workspace) || !admitsUser(policy, agent, context)) continue;
    if (policy.compiledCondition) {
      vars ??= { args: request.args, agent, tool, context };
      const outcome = policy.compiledCondition.evaluate(vars);
      if (!outcome.ok) {
        const error = outcome.code ? `${outcome.code}: ${outcome.error}` : outcome.error;
        conditionErrors.push({ policy_id: policy.policy_id, error });
        if (!policy.failsClosed) continue;
        if (outcome.code === CONDITION_BUDGET_EXCEEDED) overBudget.add(policy);
      } else if (!outcome.matched) continue;
    }
    if (policy.guard) {
      // A guard applies its mode only when hit (src/pipeline/stages/guards.ts), Shadow rows included; tags apply as it runs.
      guards.push(policy);
      if (policy.status === "Active") for (const tag of policy.tags) if (!tags.includes(tag)) tags.push(tag);
      continue;
    }
    if (policy.status === "Shadow") {
      shadow.push({
        policy_id: policy.policy_id,
        policy_name: policy.name,
        would: policy.mode,
        reason_code: policy.reason_code,
      });
      continue;
    }
    for (const tag of policy.tags) if (!tags.includes(tag)) tags.push(tag);
    if (policy.mode === "block") blocks.push(policy);
    else if (policy.mode === "pause") pauses.push(policy);
    else if (policy.mode === "alert") alerts.push(policy.policy_id);
    if (policy.type === "allow") allows.push(policy);
  }

  const base = { alerts, shadow, condition_errors: conditionErrors, tags, snapshot: snapshot.hash, guards };
  const byPolicies = (deciding: readonly CompiledPolicy[]) => decidingPolicies(deciding, overBudget);
  if (blocks.length > 0) return { decision: "denied", ...byPolicies(blocks), approvers: [], ...base };
  if (pauses.length > 0) {
    const approvers: string[] = [];
    for (const pause of pauses) for (const name of pause.approvers) if (!approvers.includes(name)) approvers.push(name);
    return { decision: "escalated", ...byPolicies(pauses), approvers, ...base };
  }
  if (allows.length > 0) return { decision: "authorized", ...byPolicies(allows), approvers: [], ...base };

  const toolClass = toolClassOf(tool.annotations);
  const effect = snapshot.posture[toolClass];
  return {
    decision: effect === "allow" ? "authorized" : effect === "hold" ? "escalated" : "denied",
    reason_code: POSTURE_REASON[effect],
    message: `No policy decided this call; under the default posture ${postureClause(toolClass, effect)}.`,
    policy_ids: [],
    policy_names: [],
    approvers: [],
    ...base,
  };
}

function decidingPolicies(deciding: readonly CompiledPolicy[], overBudget: ReadonlySet<CompiledPolicy>) {
  const first = deciding[0]!;
  const stopped = overBudget.has(first);
  return {
    reason_code: stopped ? CONDITION_BUDGET_EXCEEDED : first.reason_code,
    message: stopped
      ? `The condition of policy "${first.name}" needed more work than its budget allows on these arguments, so the policy applies (fail closed).`
      : first.message,
    policy_ids: deciding.map((policy) => policy.policy_id),
    policy_names: deciding.map((policy) => policy.name),
  };
}

function engineError(snapshot: PolicySnapshot, error: unknown): Decision {
  let hash = "";
  let detail = "unknown fault";
  try {
    hash = typeof snapshot.hash === "string" ? snapshot.hash : "";
    if (error instanceof Error) detail = String(error.message);
  } catch {
    // Even a hostile snapshot or error object ends in a denial.
  }
  return {
    decision: "denied",
    reason_code: "policy_engine_error",
    message: "The policy engine could not decide this call, so it was denied.",
    policy_ids: [],
    policy_names: [],
    alerts: [],
    shadow: [],
    condition_errors: [{ policy_id: "", error: `policy engine fault: ${detail}` }],
    tags: [],
    approvers: [],
    snapshot: hash,
    guards: [],
  };
}

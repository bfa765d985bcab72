import { admitsAgent } from "./applies-to";
import type { CompiledPolicy, PolicySnapshot } from "./compile";
import { postureClause, toolClassOf } from "./posture";
import type { AgentFacts, CallContext, ToolFacts, ToolPolicyState, ToolPolicyStateName } from "./types";

/**
 * A tool's policy state for one agent, as tools/list shows it before any call: condition values are unknown,
 * so a row with a Condition or a Users list, or a guard (cost, privacy, content), can only make the tool
 * `restricted`. Shadow rows are ignored.
 * Never throws; a fault reports the tool as `blocked`.
 */
export function toolPolicyState(
  snapshot: PolicySnapshot,
  tool: ToolFacts,
  agent: AgentFacts,
  context: Pick<CallContext, "workspace"> = { workspace: null },
): ToolPolicyState {
  try {
    return stateOrThrow(snapshot, tool, agent, context.workspace);
  } catch {
    return {
      state: "blocked",
      policies: [],
      summary: "blocked (the policy engine could not read this tool's policies)",
    };
  }
}

function stateOrThrow(
  snapshot: PolicySnapshot,
  tool: ToolFacts,
  agent: AgentFacts,
  workspace: string | null,
): ToolPolicyState {
  const active = snapshot
    .candidates(tool.name)
    .filter((policy) => policy.status === "Active" && admitsAgent(policy, agent, workspace));
  // A guard (cost, privacy, content) applies its mode only when hit, so it can only restrict or audit a tool.
  const conditional = (policy: CompiledPolicy) =>
    policy.compiledCondition !== null || policy.userSet !== null || policy.guard !== undefined;
  const certain = active.filter((policy) => !conditional(policy));
  const maybe = active.filter(conditional);

  const blocks = certain.filter((policy) => policy.mode === "block");
  if (blocks.length > 0) return byPolicies("blocked", blocks);
  const pauses = certain.filter((policy) => policy.mode === "pause");
  if (pauses.length > 0) return byPolicies("approval_required", pauses);

  const toolClass = toolClassOf(tool.annotations);
  const effect = snapshot.posture[toolClass];
  const allows = certain.filter((policy) => policy.type === "allow");
  const maybeAllows = maybe.filter((policy) => policy.type === "allow");
  const posture = `default posture: ${postureClause(toolClass, effect)}`;
  // Without an allow row, a hold or deny posture is the outcome no matter which conditional rows match.
  if (effect !== "allow" && allows.length === 0) {
    if (maybeAllows.length > 0) return byPolicies("restricted", maybeAllows);
    const state = effect === "deny" ? "blocked" : "approval_required";
    return { state, policies: [], summary: `${state} (${posture})` };
  }

  const restricting = maybe.filter((policy) => policy.mode === "block" || policy.mode === "pause");
  if (restricting.length > 0) return byPolicies("restricted", restricting);
  const audits = active.filter(
    (policy) =>
      policy.mode === "alert" || policy.mode === "redact" || (policy.mode === "log" && policy.type !== "allow"),
  );
  if (audits.length > 0) return byPolicies("audited", audits);
  if (allows.length > 0) return byPolicies("open", allows);
  return { state: "open", policies: [], summary: `open (${posture})` };
}

function byPolicies(state: ToolPolicyStateName, policies: readonly CompiledPolicy[]): ToolPolicyState {
  return {
    state,
    policies: policies.map((policy) => ({ id: policy.policy_id, name: policy.name })),
    summary: `${state} (${policies[0]!.name})`,
  };
}

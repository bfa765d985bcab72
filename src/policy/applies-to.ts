import type { CompiledPolicy } from "./compile";
import type { AgentFacts, CallContext } from "./types";

/** Whether a policy's Agents and Scopes lists admit this agent (empty lists admit every agent). */
export function admitsAgent(
  policy: Pick<CompiledPolicy, "agentSet" | "scopeSet">,
  agent: AgentFacts,
  workspace: string | null,
): boolean {
  if (policy.agentSet && !policy.agentSet.has(agent.id) && !policy.agentSet.has(agent.name)) return false;
  if (policy.scopeSet) {
    const scopes = policy.scopeSet;
    const inScope = agent.scopes.some((scope) => scopes.has(scope)) || (workspace !== null && scopes.has(workspace));
    if (!inScope) return false;
  }
  return true;
}

/** Whether a policy's Users list admits the person the call is for (context.user, else the agent's owner). */
export function admitsUser(policy: CompiledPolicy, agent: AgentFacts, context: CallContext): boolean {
  if (!policy.userSet) return true;
  const user = context.user ?? agent.owner;
  return user !== null && policy.userSet.has(user);
}

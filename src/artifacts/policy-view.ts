import type { PolicyRow } from "../policy/policy-row.schema";
import { matchesGlob } from "../policy";
import { sortedBy, withSortedKeys } from "./state";

/** A policy as the contracts cite it: what it is, what it matches and what it does, sorted lists. */
export function policyView(policy: PolicyRow) {
  return {
    id: policy.policy_id,
    name: policy.name,
    type: policy.type,
    mode: policy.mode,
    status: policy.status,
    priority: policy.priority,
    tools: [...policy.tools].sort(),
    agents: [...policy.agents].sort(),
    scopes: [...policy.scopes].sort(),
    users: [...policy.users].sort(),
    approvers: [...policy.approvers].sort(),
    tags: [...policy.tags].sort(),
    condition: policy.condition,
    reason_code: policy.reason_code,
    message: policy.message,
    ...(policy.guard ? { guard: withSortedKeys(policy.guard) } : {}),
  };
}

/** The policies whose Tools patterns match `tool`, by Policy ID. */
export function policiesFor(policies: readonly PolicyRow[], tool: string): PolicyRow[] {
  return sortedBy(
    policies.filter((policy) => policy.tools.some((pattern) => matchesGlob(pattern, tool))),
    (policy) => policy.policy_id,
  );
}

/** A compiled policy without its compiled parts: the row as parsed. */
export function plainPolicyRow(policy: PolicyRow): PolicyRow {
  return {
    policy_id: policy.policy_id,
    name: policy.name,
    type: policy.type,
    mode: policy.mode,
    status: policy.status,
    tools: [...policy.tools],
    agents: [...policy.agents],
    scopes: [...policy.scopes],
    users: [...policy.users],
    approvers: [...policy.approvers],
    tags: [...policy.tags],
    condition: policy.condition,
    priority: policy.priority,
    reason_code: policy.reason_code,
    message: policy.message,
    ...(policy.guard ? { guard: policy.guard } : {}),
  };
}

import { DEFAULT_REASON, POSTURE_REASON, type PolicyType, type PostureEffect } from "../policy";

/** Whether, and when, calling again can change a reason code's outcome. */
export type RetrySemantics =
  "no" | "yes" | "after approval" | "after the cause is fixed" | "only if the host did not run";

/** What a built-in reason code means and whether retrying helps. */
export interface ReasonCodeMeaning {
  meaning: string;
  retry: RetrySemantics;
}

const POLICY_TYPE_MEANING: Record<PolicyType, ReasonCodeMeaning> = {
  allow: { meaning: "an allow policy let the call run", retry: "no" },
  block: { meaning: "a block policy stopped the call", retry: "no" },
  approval: { meaning: "a policy holds the call for a person's approval", retry: "after approval" },
  compliance: { meaning: "a compliance policy tagged the call as evidence", retry: "no" },
  cost: { meaning: "a budget cap would be crossed", retry: "after the cause is fixed" },
  privacy: { meaning: "personal data was detected in the arguments", retry: "after the cause is fixed" },
  content: { meaning: "the arguments or result hold flagged content", retry: "after the cause is fixed" },
};

const POSTURE_MEANING: Record<PostureEffect, ReasonCodeMeaning> = {
  allow: { meaning: "no policy decided; the default posture runs this kind of tool", retry: "no" },
  hold: {
    meaning: "no policy decided; the default posture holds this kind of tool for approval",
    retry: "after approval",
  },
  deny: { meaning: "no policy decided; the default posture denies this kind of tool", retry: "no" },
};

/** Codes the pipeline, approvals and hosts give of themselves (docs/mcp.md, docs/approvals.md, docs/hosts.md). */
const SYSTEM_CODES: Record<string, ReasonCodeMeaning> = {
  approval_granted: { meaning: "a person approved the held call; it ran once", retry: "no" },
  approval_denied: { meaning: "a person denied the held call", retry: "no" },
  approval_expired: { meaning: "nobody decided the held call before it expired", retry: "yes" },
  approval_already_used: { meaning: "the approval was already used by an earlier call", retry: "after approval" },
  escalation_not_for_this_call: { meaning: "the escalation named is for another tool or other arguments", retry: "no" },
  escalation_unavailable: { meaning: "the approval record could not be read or written", retry: "yes" },
  budget_unavailable: { meaning: "the budget could not be read; the call was not run", retry: "yes" },
  cost_unknown: { meaning: "the call's cost could not be computed; a cost cap fails closed", retry: "no" },
  moderation_unavailable: { meaning: "the content moderation pass could not run; it fails closed", retry: "yes" },
  policy_engine_error: { meaning: "the policy engine failed; the call fails closed", retry: "yes" },
  invalid_arguments: {
    meaning: "the arguments do not fit the tool's schema or are not exact JSON",
    retry: "after the cause is fixed",
  },
  unknown_tool: { meaning: "no such tool, or the agent may not see it", retry: "no" },
  unsafe_schema_pattern: { meaning: "the upstream tool's schema holds a pattern Policy OS refuses", retry: "no" },
  unusable_schema: { meaning: "the upstream tool's schema cannot be used", retry: "no" },
  host_unavailable: { meaning: "the host is down or too slow", retry: "only if the host did not run" },
  host_error: { meaning: "the tool reported an error", retry: "no" },
  host_rejected: { meaning: "the host refused the call", retry: "no" },
  result_unusable: { meaning: "the host ran but its result cannot be returned", retry: "no" },
  ledger_unavailable: { meaning: "the record could not be written before running; nothing ran", retry: "yes" },
  internal_error: { meaning: "an unexpected fault of Policy OS", retry: "only if the host did not run" },
};

/**
 * Every reason code Policy OS gives of itself, with its meaning and retry semantics: the policy Types' defaults and
 * the posture codes are read from the policy engine, the rest from the pipeline's contract.
 */
export function builtInReasonCodes(): Map<string, ReasonCodeMeaning> {
  const codes = new Map<string, ReasonCodeMeaning>();
  for (const [type, code] of Object.entries(DEFAULT_REASON)) codes.set(code, POLICY_TYPE_MEANING[type as PolicyType]);
  for (const [effect, code] of Object.entries(POSTURE_REASON))
    codes.set(code, POSTURE_MEANING[effect as PostureEffect]);
  for (const [code, meaning] of Object.entries(SYSTEM_CODES)) codes.set(code, meaning);
  return codes;
}

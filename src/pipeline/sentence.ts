import type { Decision } from "../policy/types";
import type { Outcome } from "./outcome";

/** The one sentence that says what an outcome means, for the text content of a tools/call result. */
export function sentenceFor(outcome: Outcome, decision: Decision | null): string {
  const tool = outcome.capability_id;
  switch (outcome.outcome) {
    case "succeeded":
      return `${tool} ran and succeeded (invocation ${outcome.invocation_id}).`;
    case "pending_approval": {
      const approvers = outcome.denial?.details?.approvers;
      const who = Array.isArray(approvers) && approvers.length > 0 ? approvers.join(" or ") : "an approver";
      return `${tool} is held for approval: ${stripStop(outcome.denial?.message ?? "")}; escalation ${outcome.escalation_id} waits for ${who}, so call again with the same arguments once it is approved.`;
    }
    case "denied":
      return `${tool} was denied by policy ${decision?.policy_name ?? outcome.decision.policy_ids[0] ?? "default posture"}: ${stripStop(outcome.denial?.message ?? "")}; retrying will not help.`;
    case "failed":
      return `${tool} failed: ${stripStop(outcome.error?.message ?? "")}${outcome.error?.retryable ? "; it is safe to retry later" : ""}.`;
    case "invalid":
      return `${tool} was not run because the call is invalid: ${stripStop(outcome.error?.message ?? "")}.`;
  }
}

function stripStop(text: string): string {
  return text.trim().replace(/[.!]+$/, "");
}

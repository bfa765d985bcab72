import type { JsonValue } from "../ledger/canonical";

/** What happened to a call, as the agent sees it (docs/mcp.md, "tools/call and the outcome contract"). */
export type OutcomeKind = "succeeded" | "denied" | "pending_approval" | "failed" | "invalid";
/** The status paired with each outcome. */
export type OutcomeStatus = "authorized" | "action_required" | "denied" | "failed" | "invalid";

/** Why a call did not succeed, and whether trying again can help. */
export interface Denial {
  code: string;
  message: string;
  retryable: boolean;
  details?: Record<string, JsonValue>;
}

/** A failure of the host or of the call itself (not a policy decision). */
export interface CallError {
  code: string;
  message: string;
  retryable: boolean;
  details?: Record<string, JsonValue>;
}

/** The outcome contract returned in `structuredContent` of every `tools/call`. */
export interface Outcome {
  invocation_id: string;
  capability_id: string;
  capability_version: string | null;
  correlation: { correlation_id: string | null; session_id: string | null; run_id: string | null };
  outcome: OutcomeKind;
  status: OutcomeStatus;
  success: boolean;
  data: JsonValue;
  error: CallError | null;
  denial: Denial | null;
  escalation_id: string | null;
  decision: {
    decision: "authorized" | "escalated" | "denied" | "invalid";
    reason_code: string;
    /** The policies that decided, strongest first, at most DECIDING_LIST_LIMIT (src/policy/types.ts). */
    policy_ids: string[];
    /** How many policies decided: more than `policy_ids` lists when the list is cut. */
    policy_count: number;
    snapshot: string | null;
  };
  evidence_ids: string[];
  started_at: string | null;
  completed_at: string;
}

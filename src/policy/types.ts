/**
 * The policy engine's contract: what decide() is asked, what it answers, and what tools/list shows.
 * Implementations live beside this file (policy-row.schema.ts, compile.ts, decide.ts, tool-state.ts).
 */
import type { CompiledPolicy } from "./compile";

/**
 * What a matching row does. Strength order: block > pause > redact > alert > log (allow rows act as log with
 * permission). Cost, privacy and content rows apply their mode only when their guard is hit; `redact` belongs to
 * privacy and content rows.
 */
export type PolicyMode = "block" | "pause" | "redact" | "alert" | "log";
/** The row's category (docs/policies.md, "A policy row"). */
export type PolicyType = "allow" | "block" | "approval" | "cost" | "privacy" | "content" | "compliance";
/** Draft and Retired rows are never compiled; Shadow rows are evaluated and recorded, never enforced. */
export type PolicyStatus = "Draft" | "Shadow" | "Active" | "Retired";

/** MCP tool annotations that the default posture reads. */
export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** The tool being called, as the policy engine sees it. */
export interface ToolFacts {
  /** `host.tool`, e.g. `payments.create_refund`. */
  name: string;
  host: string;
  annotations: ToolAnnotations;
}

/** The calling agent, as the policy engine sees it. */
export interface AgentFacts {
  id: string;
  name: string;
  /** The person the agent belongs to (an email or Notion person name). */
  owner: string | null;
  scopes: string[];
}

/** Facts about the call that are not arguments (from the request's `_meta` and the clock). */
export interface CallContext {
  /** The person the agent acts for on this call, if the caller said so; defaults to the agent's owner. */
  user: string | null;
  workspace: string | null;
  correlation_id: string | null;
  session_id: string | null;
  run_id: string | null;
  /** ISO-8601 time of the call. */
  now: string;
}

/** Everything decide() looks at. `args` are the validated arguments. */
export interface DecisionRequest {
  tool: ToolFacts;
  agent: AgentFacts;
  args: Record<string, unknown>;
  context: CallContext;
}

/** What a shadow row would have done had it been active. */
export interface ShadowResult {
  policy_id: string;
  policy_name: string;
  would: PolicyMode;
  reason_code: string;
}

/** A condition that raised an error at run time (it counts as matching for block and pause: fail closed). */
export interface ConditionError {
  policy_id: string;
  error: string;
}

/** The answer of decide(): a value naming the policies that produced it, with diagnostics. */
export interface Decision {
  decision: "authorized" | "escalated" | "denied";
  /** The row's reason code, or a default-posture code (`default_allow`, `default_hold`, `default_deny`). */
  reason_code: string;
  /** One sentence for the agent and the audit log. */
  message: string;
  /**
   * The policies that decided, strongest first, at most {@link DECIDING_LIST_LIMIT} of them; empty when the default
   * posture decided. `policy_count` says how many decided in all.
   */
  policy_ids: string[];
  /** How many policies decided (0: the default posture); more than `policy_ids` lists when the list is cut. */
  policy_count: number;
  /** The name of the policy that decided first (`policy_ids[0]`); null when the default posture decided. */
  policy_name: string | null;
  /** Active alert rows that matched (the call proceeds; someone is notified). */
  alerts: string[];
  shadow: ShadowResult[];
  condition_errors: ConditionError[];
  /** Compliance tags of every active row that matched. */
  tags: string[];
  /** Approvers named by the deciding pause rows (empty: the tenant's default approvers). */
  approvers: string[];
  /** Hash of the snapshot that decided, `sha256:…`. */
  snapshot: string;
  /**
   * Active and Shadow cost, privacy and content rows that apply to this call, in deciding order. They do not
   * decide; the pipeline applies each one's guard, and its mode only when the guard is hit.
   */
  guards: readonly CompiledPolicy[];
}

/**
 * Most policy ids a Decision lists. A call on a tool with thousands of rows can be decided by thousands of them:
 * listing them all made deciding slower than matching (decide.p50.10000.one_tool) and every record of the call grow
 * with the policy set, while readers use the first (the one that decided) and the count.
 */
export const DECIDING_LIST_LIMIT = 50;

/** What happens to a call no policy matched, by the kind of tool (from its MCP annotations). */
export interface DefaultPosture {
  /** readOnlyHint: true. */
  read_only: "allow" | "hold" | "deny";
  /** readOnlyHint: false and destructiveHint: false. */
  write: "allow" | "hold" | "deny";
  /** destructiveHint true, or readOnlyHint false with destructiveHint unset (the MCP default). */
  destructive: "allow" | "hold" | "deny";
  /** No readOnlyHint and no destructiveHint: nothing is known about the tool. */
  unannotated: "allow" | "hold" | "deny";
}

/** The posture a new tenant gets. */
export const DEFAULT_POSTURE: DefaultPosture = {
  read_only: "allow",
  write: "allow",
  destructive: "hold",
  unannotated: "deny",
};

/** A policy row that could not be compiled, with the reason a manager can act on. */
export interface RowRejection {
  /** The row's `Policy ID` when it had one, else its index in the input. */
  row: string;
  reason: string;
}

/** How tools/list describes a tool's policy state for one agent. */
export type ToolPolicyStateName = "open" | "restricted" | "approval_required" | "audited" | "blocked";

/** A tool's policy state for one agent, with the policies that make it so. */
export interface ToolPolicyState {
  state: ToolPolicyStateName;
  policies: { id: string; name: string }[];
  /** One line, e.g. `approval_required (Refunds over $500 need a manager)`. */
  summary: string;
}

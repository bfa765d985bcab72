import type { PolicyRow } from "../policy/policy-row.schema";
import type { DefaultPosture, ToolAnnotations, ToolPolicyStateName } from "../policy/types";

/**
 * A tenant's live state as the operating artifacts read it: plain, already redacted data (no secret, key or token is
 * ever in it), gathered by gather.ts and rendered by the pure renderers. Rows may come in any order; renderers sort.
 */
export interface ArtifactState {
  tenant: {
    id: string;
    name: string;
    posture: DefaultPosture;
    default_approvers: string[];
    snapshot_hash: string | null;
    approvals: { ttl_seconds: number; reminder_seconds: number | null };
  };
  hosts: ArtifactHost[];
  tools: ArtifactTool[];
  agents: ArtifactAgent[];
  /** The policies in force (Active and Shadow), as parsed rows. */
  policies: PolicyRow[];
  /** Each hosted tool's policy state for each agent, as tools/list would show it. */
  tool_states: ArtifactToolState[];
  runbooks: ArtifactRunbook[];
  /** Which runbook the Tools database links to a tool. */
  tool_runbooks: { tool: string; runbook_page_id: string }[];
  activity: ArtifactActivity;
}

/** A host as the contracts show it: never its secret, and its URL without query or credentials. */
export interface ArtifactHost {
  id: string;
  kind: string;
  label: string;
  url: string | null;
  timeout_ms: number;
  authenticated: boolean;
  error: string | null;
}

/** A tool of the catalog, with the version its host reports. */
export interface ArtifactTool {
  name: string;
  host: string;
  title: string | null;
  description: string;
  version: string;
  input_schema: Record<string, unknown>;
  annotations: ToolAnnotations;
  demo: boolean;
}

/** An agent: who owns it, what it may see, and (when its record says) whom else it may act for. */
export interface ArtifactAgent {
  id: string;
  name: string;
  owner: string | null;
  status: string;
  scopes: string[];
  allowed_tools: string[];
  /** Whom else than its owner the agent may act for (its Agents row's Acts for). */
  acts_for: string[];
  /** The workspaces it may name; empty: none. */
  workspaces: string[];
}

/** One tool's policy state for one agent. */
export interface ArtifactToolState {
  tool: string;
  agent_id: string;
  state: ToolPolicyStateName;
  policies: { id: string; name: string }[];
  summary: string;
}

/** A runbook row as synced from Notion. */
export interface ArtifactRunbook {
  page_id: string;
  name: string;
  tools: string[];
  checks: string;
  /** The incident sections: what brings the tools back, who does what, how to undo (each '' when not written). */
  recovery: string;
  operator_lanes: string;
  rollback: string;
  status: string;
}

/** What the audit log and escalations record over the 30 days that end at the latest audited call. */
export interface ArtifactActivity {
  /** `from` included, `to` excluded; null when the audit log is empty. */
  window: { from: string; to: string } | null;
  calls: number;
  by_decision: { key: string; n: number }[];
  by_outcome: { key: string; n: number }[];
  by_reason_code: { reason_code: string; calls: number }[];
  escalations: { held: number; approved: number; denied: number; expired: number; pending: number };
  /** Median minutes from hold to decision (null: none decided in the window). */
  median_minutes_to_decision: number | null;
}

/** Code-point order, independent of locale, so the same rows always render the same bytes. */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy of `rows` sorted by the text `key` gives each (code-point order). */
export function sortedBy<T>(rows: readonly T[], key: (row: T) => string): T[] {
  return [...rows].sort((a, b) => byText(key(a), key(b)));
}

/** A copy of a JSON value with every object's keys in code-point order. */
export function withSortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withSortedKeys);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return Object.fromEntries(sortedBy(entries, ([key]) => key).map(([key, v]) => [key, withSortedKeys(v)]));
}

import type { BudgetScope, BudgetStatus, BudgetUnit, BudgetWindow } from "../budgets";
import { budgetBook } from "../budgets";
import { countIncidents } from "../incidents/store";
import { weekActivity, type CallTotals, type EscalationTotals, type WeekActivity } from "../db/week-activity";
import type { Env } from "../env";
import { checkpointOf, checkpointSigner, ledgerFor } from "../ledger";
import type { OutcomeKind } from "../pipeline/outcome";
import { previousWeek, weekRange, type WeekStart } from "./week";

/** How many reason codes the figures name; the rest are summed as {@link OTHER_REASON_CODES}. */
export const TOP_REASON_CODES = 10;
/** The reason code under which the calls of every reason code past the top ten are summed. */
export const OTHER_REASON_CODES = "other";
/** How many tools the busiest-tools figure lists. */
export const TOP_TOOLS = 5;
/** How many agents the most-denials figure lists. */
export const TOP_DENIED_AGENTS = 5;
/** How many break-glass decisions the figures list (all are counted). */
export const LISTED_BREAK_GLASS = 20;

/** What the pipeline decides for a call (audit_log.decision). */
export const AUDIT_DECISIONS = ["authorized", "escalated", "denied", "invalid"] as const;
/** What happened to a call as the agent saw it (audit_log.outcome). */
export const AUDIT_OUTCOMES = [
  "succeeded",
  "denied",
  "pending_approval",
  "failed",
  "invalid",
] as const satisfies readonly OutcomeKind[];

/** Calls of one reason code. */
export interface ReasonCodeCount {
  /** The audit row's reason code, or `other` for the sum of every code past the top ten. */
  reason_code: string;
  calls: number;
}

/** One of the busiest tools. */
export interface ToolCount {
  tool: string;
  calls: number;
  /** Its calls that were denied (decision `denied`). */
  denied: number;
}

/** One spend cap of the tenant's budget book, in the period it is in when the digest is written. */
export interface CapFigure {
  /** The cost policy that sets the cap. */
  policy_id: string;
  scope: BudgetScope;
  /** The run id, agent id, scope name or "workspace" whose spend the cap limits. */
  subject: string;
  window: BudgetWindow;
  unit: BudgetUnit;
  limit: number;
  /** Settled spend in the period. */
  spent: number;
  /** Held by calls not yet settled. */
  reserved: number;
  /** The window's period: `run`, `2026-12-01`, `2026-W49` or `2026-12`. */
  period: string;
  /** When the period ends (null: a `run` window, never). */
  resets_at: string | null;
}

/** What one Shadow policy would have done in the week. */
export interface ShadowFigure {
  policy_id: string;
  /** Its name as the audit rows record it. */
  policy_name: string;
  /** Calls it would have affected. */
  calls: number;
  /** Those calls by the mode it would have applied (`block`, `pause`, `alert`, `log`). */
  by_would: Record<string, number>;
}

/** One of the agents with the most denials. */
export interface DeniedAgent {
  agent_id: string;
  /** The agent's name, or its id when the tenant no longer has the agent. */
  name: string;
  denied: number;
}

/** A decision taken by break-glass (through the admin API while Notion was unreachable) in the week. */
export interface BreakGlassFigure {
  escalation_id: string;
  tool: string;
  agent_id: string;
  decision: "approved" | "denied";
  /** The approver it was taken as. */
  decided_by: string;
  decided_at: string;
  /** The decider's reason, redacted. */
  reason: string;
}

/** The totals compared week on week. */
export interface WeekTotals {
  calls: number;
  denied: number;
  held: number;
  approved: number;
  expired: number;
}

/**
 * Every number on a tenant's weekly digest, computed only from the tenant's D1 rows and its ledger (never from
 * anything Claude writes). Plain JSON: it is stored in `digests.figures` as it is.
 */
export interface DigestFigures {
  tenant_id: string;
  /** The week's Monday, YYYY-MM-DD (UTC). */
  week_start: string;
  /** The week's instants: `from` (included) to `to` (excluded), Monday 00:00Z to the next Monday 00:00Z. */
  period: { from: string; to: string };
  /** When the figures were computed. */
  computed_at: string;
  /** False while the week runs: the figures then cover the week up to `computed_at`. */
  complete: boolean;
  /** The tool calls the week's audit rows record. */
  calls: {
    total: number;
    /** Calls by decision; always has authorized, escalated, denied and invalid (0 when none). */
    by_decision: Record<string, number>;
    /** The ten most frequent reason codes, most calls first, then `other` summing the rest (left out when 0). */
    by_reason_code: ReasonCodeCount[];
    /** Calls by outcome; always has succeeded, denied, pending_approval, failed and invalid (0 when none). */
    by_outcome: Record<string, number>;
  };
  /** The five tools with the most calls, most first (ties by name). */
  busiest_tools: ToolCount[];
  /** Escalations created in the week, by where they stand at `computed_at`. */
  approvals: {
    /** Escalations created in the week: calls held for approval. */
    held: number;
    /** Approved, including those since executed. */
    approved: number;
    denied: number;
    /** Expired, including pending ones past their expiry that the expiry job has not marked yet. */
    expired: number;
    /** Still waiting for a decision. */
    pending: number;
    /** Withdrawn without a decision. */
    cancelled: number;
    /** Median minutes from hold to decision over the approved and denied ones, to 0.1 min (null: none decided). */
    median_minutes_to_decision: number | null;
  };
  spend: {
    /** Sum of the week's audit rows' cost, in US cents. */
    cost_cents: number;
    /**
     * The budget book's caps in their CURRENT periods when the digest is written (not the digest's week: the book
     * keeps counters per period and a weekly digest is written after its week), in key order.
     */
    caps: CapFigure[];
    /** Why the budget book could not be read (then `caps` is empty), or null when it was. */
    caps_unavailable: string | null;
  };
  /** Decisions taken by break-glass in the week (by when they were taken): how many, and the first of them. */
  break_glass: {
    count: number;
    /** Oldest first, at most {@link LISTED_BREAK_GLASS}. */
    decisions: BreakGlassFigure[];
  };
  /** What Shadow policies would have done to the week's calls, most calls first. */
  shadow: ShadowFigure[];
  /** Incidents opened in the week, and incidents resolved in it (by when each happened, whatever opened them). */
  incidents: { opened: number; resolved: number };
  /** The five agents with the most denied calls, most first (ties by agent id); agents with none are left out. */
  top_denied_agents: DeniedAgent[];
  /** The week against the week before. */
  changes: {
    previous_week_start: string;
    previous: WeekTotals;
    /** This week's totals minus the previous week's. */
    difference: WeekTotals;
  };
  /** The ledger's checkpoint: its last entry stamped before the week's end (or before `computed_at` while it runs). */
  ledger: {
    /** 0 when the ledger had no entry yet. */
    seq: number;
    /** That entry's hash (64 zeros for none). */
    hash: string;
    /** When that entry was stamped (null for none). */
    at: string | null;
    /** The instant the checkpoint was taken at. */
    before: string;
    /**
     * The signed checkpoint (C2SP signed note) of the ledger's Merkle tree of the first `seq` entries, which the
     * deployment's verifier key checks; null when no signing key is set (docs/ledger.md#signed-checkpoints).
     */
    signed_checkpoint: string | null;
  };
}

const count = (value: unknown): number => Number(value ?? 0);

/**
 * The figures of `tenant_id`'s week starting `week_start` (a Monday), as of `now`. Aggregates in D1 over the
 * audit log's (tenant_id, created_at) index, one batch for both weeks; reads only this tenant's rows, its ledger
 * and its budget book. A budget book that cannot be read is reported in `spend.caps_unavailable`, never thrown.
 *
 * @example await digestFigures(env, "acme", "2026-11-16", { now: () => new Date() })
 */
export async function digestFigures(
  env: Pick<Env, "DB" | "LEDGER" | "BUDGETS" | "LEDGER_SIGNING_KEY">,
  tenant_id: string,
  week_start: WeekStart,
  options: { now?: () => Date } = {},
): Promise<DigestFigures> {
  const now = (options.now ?? (() => new Date()))();
  const at = now.toISOString();
  const period = weekRange(week_start);
  const previous_week_start = previousWeek(week_start);
  const complete = at >= period.to;
  const activity = await weekActivity(env.DB, tenant_id, period, weekRange(previous_week_start), at, {
    reason_codes: TOP_REASON_CODES,
    tools: TOP_TOOLS,
    denied_agents: TOP_DENIED_AGENTS,
    break_glass: LISTED_BREAK_GLASS,
  });

  const total = count(activity.totals.calls);
  const topReasons = activity.by_reason_code.map((row) => ({
    reason_code: String(row.reason_code),
    calls: count(row.calls),
  }));
  const other = total - topReasons.reduce((sum, reason) => sum + reason.calls, 0);
  const held = activity.escalations;
  const approvals = {
    held: count(held.held),
    approved: count(held.approved),
    denied: count(held.denied),
    expired: count(held.expired),
    pending: count(held.pending),
    cancelled: count(held.cancelled),
    median_minutes_to_decision: medianOf(activity.median_minutes),
  };
  const current = weekTotals(activity.totals, held);
  const previous = weekTotals(activity.previous.totals, activity.previous.escalations);
  const checkpointAt = complete ? period.to : at;
  const ledger = ledgerFor(env, tenant_id);
  const [caps, checkpoint, signer, incidents] = await Promise.all([
    capFigures(env, tenant_id, now),
    ledger.checkpoint(checkpointAt),
    checkpointSigner(env.LEDGER_SIGNING_KEY),
    countIncidents(env.DB, tenant_id, period.from, period.to),
  ]);
  const signed = "problem" in signer ? null : await checkpointOf(ledger, signer, tenant_id, checkpoint.seq);

  return {
    tenant_id,
    week_start,
    period,
    computed_at: at,
    complete,
    calls: {
      total,
      by_decision: tally(AUDIT_DECISIONS, activity.by_decision),
      by_reason_code: other > 0 ? [...topReasons, { reason_code: OTHER_REASON_CODES, calls: other }] : topReasons,
      by_outcome: tally(AUDIT_OUTCOMES, activity.by_outcome),
    },
    busiest_tools: activity.busiest_tools.map((row) => ({
      tool: String(row.tool),
      calls: count(row.calls),
      denied: count(row.denied),
    })),
    approvals,
    break_glass: {
      count: count(activity.break_glass_count),
      decisions: activity.break_glass.map((row) => ({
        escalation_id: row.id,
        tool: row.tool,
        agent_id: row.agent_id,
        decision: row.status === "denied" ? "denied" : "approved",
        decided_by: row.decided_by ?? "unknown",
        decided_at: row.decided_at,
        reason: row.decision_reason ?? "",
      })),
    },
    spend: { cost_cents: count(activity.totals.cost_cents), ...caps },
    shadow: shadowFigures(activity.shadow),
    incidents,
    top_denied_agents: activity.denied_agents.map((row) => ({
      agent_id: String(row.agent_id),
      name: row.name === null || row.name === undefined ? String(row.agent_id) : String(row.name),
      denied: count(row.denied),
    })),
    changes: {
      previous_week_start,
      previous,
      difference: {
        calls: current.calls - previous.calls,
        denied: current.denied - previous.denied,
        held: current.held - previous.held,
        approved: current.approved - previous.approved,
        expired: current.expired - previous.expired,
      },
    },
    ledger: {
      seq: checkpoint.seq,
      hash: checkpoint.hash,
      at: checkpoint.at,
      before: checkpointAt,
      // The checkpoint's entry is committed, so the tree holds it: a string whenever a key is set.
      signed_checkpoint: typeof signed === "string" ? signed : null,
    },
  };
}

function weekTotals(calls: CallTotals, held: EscalationTotals): WeekTotals {
  return {
    calls: count(calls.calls),
    denied: count(calls.denied),
    held: count(held.held),
    approved: count(held.approved),
    expired: count(held.expired),
  };
}

/** Counts by key, with every expected key present (0 when none) and any unexpected key kept. */
function tally(expected: readonly string[], rows: WeekActivity["by_decision"]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(expected.map((key) => [key, 0]));
  for (const row of rows) counts[String(row.key)] = count(row.n);
  return counts;
}

function medianOf(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return Math.round(Number(value) * 10) / 10;
}

function shadowFigures(rows: WeekActivity["shadow"]): ShadowFigure[] {
  const byPolicy = new Map<string, ShadowFigure>();
  for (const row of rows) {
    const policy_id = String(row.policy_id ?? "unknown");
    const figure = byPolicy.get(policy_id) ?? { policy_id, policy_name: "", calls: 0, by_would: {} };
    const calls = count(row.calls);
    figure.calls += calls;
    figure.by_would[String(row.would ?? "unknown")] = calls;
    const name = row.policy_name === null || row.policy_name === undefined ? "" : String(row.policy_name);
    if (name > figure.policy_name) figure.policy_name = name;
    byPolicy.set(policy_id, figure);
  }
  for (const figure of byPolicy.values()) figure.policy_name ||= figure.policy_id;
  return [...byPolicy.values()].sort((a, b) => b.calls - a.calls || a.policy_id.localeCompare(b.policy_id));
}

/** The budget book's caps now; a book that cannot be read is reported, not thrown. */
async function capFigures(
  env: Pick<Env, "BUDGETS">,
  tenant_id: string,
  now: Date,
): Promise<{ caps: CapFigure[]; caps_unavailable: string | null }> {
  let statuses: BudgetStatus[];
  try {
    statuses = await budgetBook(env, tenant_id).spent({ now });
  } catch (error) {
    return { caps: [], caps_unavailable: error instanceof Error ? error.message : String(error) };
  }
  return {
    caps: statuses.map((status) => ({
      policy_id: status.policy_id,
      scope: status.scope,
      subject: status.subject,
      window: status.window,
      unit: status.unit,
      limit: status.limit,
      spent: status.spent,
      reserved: status.reserved,
      period: status.period,
      resets_at: status.resets_at,
    })),
    caps_unavailable: null,
  };
}

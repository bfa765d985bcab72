import { z } from "zod";
import type { LedgerEntryInput } from "../ledger/types";
import { callerV1, escalationEntry, type CallerRecord } from "../ledger";
import {
  claimApprovedEscalation,
  escalationRow,
  escalationRowOfAgent,
  escalationRowsOfTenant,
  expirePendingEscalation,
  insertPendingEscalation,
  newestEscalationRowOf,
  unclaimEscalation,
} from "../db/escalations";
import type { ApprovalTiming } from "../db/tenancy";
import type { Decision } from "../policy/types";

/** A held call waiting for people, bound to the exact call (tenant, agent, tool, canonical-args hash). */
export interface Escalation {
  id: string;
  tenant_id: string;
  agent_id: string;
  tool: string;
  args_hash: string;
  invocation_id: string;
  status: "pending" | "approved" | "denied" | "expired" | "executed" | "cancelled";
  reason_code: string;
  message: string;
  /** The policies that held the call, strongest first, at most DECIDING_LIST_LIMIT (src/policy/types.ts). */
  policy_ids: string[];
  /** How many policies held the call: more than `policy_ids` lists when the list is cut. */
  policy_count: number;
  approvers: string[];
  requested_for: string | null;
  snapshot: string;
  created_at: string;
  expires_at: string;
  decided_by: string | null;
  decided_at: string | null;
  executed_at: string | null;
  /** The invocation that used the approval (set with status `executed`). */
  executed_invocation_id?: string | null;
  /** When the approvers get a reminder if nobody has decided (null: never). */
  remind_at?: string | null;
  /** How the held call's caller facts were verified (null: not known, for escalations opened before they were). */
  caller?: CallerRecord | null;
}

/** What opening an escalation needs to know about the held call. */
export interface HeldCall {
  tenant_id: string;
  agent_id: string;
  tool: string;
  args_hash: string;
  invocation_id: string;
  decision: Decision;
  approvers: string[];
  requested_for: string | null;
  /** How the caller's facts were verified, for the approval page (absent: not known). */
  caller?: CallerRecord | null;
}

const strings = z.array(z.string());

/** An escalation as D1 stores it, its JSON columns parsed. */
export function escalationFrom(row: Record<string, unknown>): Escalation {
  const policy_ids = strings.parse(JSON.parse(String(row.policy_ids)));
  return {
    ...(row as unknown as Escalation),
    policy_ids,
    // Escalations opened before the count was kept listed every policy that held the call.
    policy_count: typeof row.policy_count === "number" ? row.policy_count : policy_ids.length,
    approvers: strings.parse(JSON.parse(String(row.approvers))),
    caller: typeof row.caller === "string" ? (callerV1.safeParse(JSON.parse(row.caller)).data ?? null) : null,
  };
}

/** An escalation with what Policy OS keeps about its Approvals page and the person who decided it there. */
export interface EscalationWithPage extends Escalation {
  /** Its page in the tenant's Approvals database (null until written). */
  notion_page_id: string | null;
  /** What the page showed besides its Decision when Policy OS last wrote it (see `ApprovalPageState`). */
  page_fingerprint: string | null;
  /** The workspace user whose decision was recorded. */
  decided_by_user_id: string | null;
  /** The call's arguments as its page shows them, as JSON; null when none were recorded. */
  arguments: string | null;
  /** Where the decision was taken: in Notion, or by break-glass through the admin API (null: undecided, or older). */
  decided_via: "notion" | "break_glass" | null;
  /** The break-glass decider's reason, redacted (null for decisions taken in Notion). */
  decision_reason: string | null;
  /** When the page was told the decision was taken by break-glass (null: not yet, or not break-glass). */
  break_glass_shown_at: string | null;
}

/** An escalation and its page columns as D1 stores them, its JSON columns parsed. */
export function escalationWithPage(row: Record<string, unknown>): EscalationWithPage {
  return { ...(row as unknown as EscalationWithPage), ...escalationFrom(row) };
}

/**
 * Opens an escalation for a held call, or returns the pending one already on file for the same exact call
 * (so an agent repeating a held call does not pile up requests). A pending escalation past its expiry
 * is marked expired first, and a new one opened.
 */
export async function openEscalation(
  db: D1Database,
  call: HeldCall,
  options: { id: string; now: Date; timing: ApprovalTiming },
): Promise<{ escalation: Escalation; created: boolean }> {
  const now = options.now.toISOString();
  const { ttl_seconds, reminder_seconds } = options.timing;
  const expires_at = new Date(options.now.getTime() + ttl_seconds * 1000).toISOString();
  // A reminder due only when the escalation has expired is no reminder.
  const remind_at =
    reminder_seconds !== null && reminder_seconds < ttl_seconds
      ? new Date(options.now.getTime() + reminder_seconds * 1000).toISOString()
      : null;
  const { row, created } = await insertPendingEscalation(db, {
    id: options.id,
    tenant_id: call.tenant_id,
    agent_id: call.agent_id,
    tool: call.tool,
    args_hash: call.args_hash,
    invocation_id: call.invocation_id,
    reason_code: call.decision.reason_code,
    message: call.decision.message,
    policy_ids: JSON.stringify(call.decision.policy_ids),
    policy_count: call.decision.policy_count,
    approvers: JSON.stringify(call.approvers),
    requested_for: call.requested_for,
    snapshot: call.decision.snapshot,
    caller: call.caller ? JSON.stringify(call.caller) : null,
    created_at: now,
    expires_at,
    remind_at,
  });
  if (!row) throw new Error("escalation vanished right after it was written");
  return { escalation: escalationFrom(row), created };
}

/** Lists a tenant's escalations, newest first (admin). */
export async function listEscalations(
  db: D1Database,
  tenant_id: string,
  options: { status?: string; limit: number },
): Promise<Escalation[]> {
  return (await escalationRowsOfTenant(db, tenant_id, options)).map(escalationFrom);
}

/** The exact call an escalation is bound to: an approval covers this call and no other. */
export interface ExactCall {
  tenant_id: string;
  agent_id: string;
  tool: string;
  args_hash: string;
  /**
   * The verified person the call is for: an approval is for that person's call only, so separation of duties holds
   * (one person's approval never lets the same arguments run for another).
   */
  requested_for: string | null;
}

/**
 * What the approval stage finds for a held call. `granted`: this invocation has claimed an approval and may run
 * once. `none`: nothing usable on file, so the call waits on a (new or reused) pending escalation.
 */
export type ApprovalOnFile =
  | { state: "granted"; escalation: Escalation }
  | { state: "none" }
  | { state: "pending"; escalation: Escalation }
  | { state: "expired"; escalation: Escalation; expired_now: boolean }
  | { state: "denied"; escalation: Escalation }
  | { state: "executed"; escalation: Escalation }
  | { state: "not_this_call"; escalation_id: string };

/**
 * Looks up the approval for a held call and, when one is approved and unused, claims it for `invocation_id`
 * (one conditional UPDATE: of two retries at the same moment exactly one claims it, the other sees it executed).
 * Without `escalation_id` the newest escalation of the exact call decides; with it, that escalation must belong to
 * the exact call. A pending escalation past its expiry is marked expired here (`expired_now`) if the alarm has not.
 * A used approval stays used unless the caller asks for a new one (`new_request`).
 */
export async function useApprovalOnFile(
  db: D1Database,
  call: ExactCall,
  options: { escalation_id: string | null; new_request: boolean; invocation_id: string; now: Date },
): Promise<ApprovalOnFile> {
  const now = options.now.toISOString();
  const found = options.escalation_id
    ? await escalationOfTenant(db, call.tenant_id, options.escalation_id)
    : await newestEscalationOf(db, call);
  if (!found)
    return options.escalation_id ? { state: "not_this_call", escalation_id: options.escalation_id } : { state: "none" };
  if (!isBoundTo(found, call)) return { state: "not_this_call", escalation_id: found.id };
  let escalation = found;
  if (escalation.status === "pending" && escalation.expires_at <= now) {
    const expired = await expireEscalation(db, escalation.id, options.now);
    if (expired) return { state: "expired", escalation: expired, expired_now: true };
    escalation = (await escalationOfTenant(db, call.tenant_id, escalation.id)) ?? escalation;
  }
  if (escalation.status === "approved") {
    const claimed = await claimApprovedEscalation(db, escalation.id, options.invocation_id, now);
    if (claimed)
      return {
        state: "granted",
        escalation: {
          ...escalation,
          status: "executed",
          executed_at: now,
          executed_invocation_id: options.invocation_id,
        },
      };
    escalation = (await escalationOfTenant(db, call.tenant_id, escalation.id)) ?? escalation;
  }
  switch (escalation.status) {
    case "pending":
      return { state: "pending", escalation };
    case "expired":
      return { state: "expired", escalation, expired_now: false };
    case "denied":
      return { state: "denied", escalation };
    case "executed":
      return options.new_request ? { state: "none" } : { state: "executed", escalation };
    default:
      // A cancelled request, or an approval claimed and released in between: ask people again.
      return { state: "none" };
  }
}

/**
 * Gives a claimed approval back when the call could not run after all (its decision could not be recorded), so the
 * agent's next retry can use it. Only the invocation that claimed it can release it.
 */
export async function releaseApproval(db: D1Database, escalation_id: string, invocation_id: string): Promise<void> {
  await unclaimEscalation(db, escalation_id, invocation_id);
}

/**
 * Marks a pending escalation expired once `now` has reached its expiry. Returns it when this call expired it (the
 * caller records that in the ledger), null when it was decided, expired already, or is not due.
 */
export async function expireEscalation(db: D1Database, escalation_id: string, now: Date): Promise<Escalation | null> {
  const row = await expirePendingEscalation(db, escalation_id, now.toISOString());
  return row ? escalationFrom(row) : null;
}

/** One escalation of an agent, or null when it is not theirs (another agent's or tenant's id looks missing). */
export async function escalationOfAgent(
  db: D1Database,
  caller: { tenant_id: string; agent_id: string },
  escalation_id: string,
): Promise<Escalation | null> {
  const row = await escalationRowOfAgent(db, caller, escalation_id);
  return row ? escalationFrom(row) : null;
}

/** The status people see: a pending escalation past its expiry is expired, even before its alarm has run. */
export function statusAt(escalation: Escalation, now: Date): Escalation["status"] {
  return escalation.status === "pending" && escalation.expires_at <= now.toISOString() ? "expired" : escalation.status;
}

/** One sentence telling the agent what to do next about an escalation in `status`. */
export function nextStep(escalation: Escalation, status: Escalation["status"] = escalation.status): string {
  const tool = escalation.tool;
  switch (status) {
    case "pending":
      return `Wait for ${escalation.approvers.join(" or ") || "an approver"} to decide in Notion before ${escalation.expires_at}, then call ${tool} again with the same arguments.`;
    case "approved":
      return `Call ${tool} again with the same arguments; it runs once.`;
    case "executed":
      return `Nothing to do: it ran as invocation ${escalation.executed_invocation_id ?? "unknown"}; to do it again, call ${tool} with _meta request_new_approval: true, which asks for a new approval.`;
    case "denied":
      return `Do not retry: ${escalation.decided_by ?? "an approver"} denied it, and this exact call will not run.`;
    case "expired":
      return `Call ${tool} again with the same arguments to open a new approval request.`;
    case "cancelled":
      return `Call ${tool} again with the same arguments to request approval again.`;
  }
}

/** An `escalation` ledger entry recording one event in an escalation's life. */
export function escalationEvent(
  escalation: Escalation,
  event: "opened" | "expired" | "executed",
  invocation_id: string | null,
): LedgerEntryInput {
  const about = { escalation_id: escalation.id, agent_id: escalation.agent_id, tool: escalation.tool };
  switch (event) {
    case "opened":
      return escalationEntry(invocation_id, {
        ...about,
        event,
        args_hash: escalation.args_hash,
        reason_code: escalation.reason_code,
        policy_ids: escalation.policy_ids,
        policy_count: escalation.policy_count,
        approvers: escalation.approvers,
        expires_at: escalation.expires_at,
      });
    case "expired":
      return escalationEntry(invocation_id, { ...about, event, expires_at: escalation.expires_at });
    case "executed":
      return escalationEntry(invocation_id, {
        ...about,
        event,
        approved_by: escalation.decided_by,
        executed_at: escalation.executed_at,
      });
  }
}

function isBoundTo(escalation: Escalation, call: ExactCall): boolean {
  return (
    escalation.tenant_id === call.tenant_id &&
    escalation.agent_id === call.agent_id &&
    escalation.tool === call.tool &&
    escalation.args_hash === call.args_hash &&
    (escalation.requested_for ?? null) === call.requested_for
  );
}

async function escalationOfTenant(db: D1Database, tenant_id: string, id: string): Promise<Escalation | null> {
  const row = await escalationRow(db, id, tenant_id);
  return row ? escalationFrom(row) : null;
}

async function newestEscalationOf(db: D1Database, call: ExactCall): Promise<Escalation | null> {
  const row = await newestEscalationRowOf(db, call);
  return row ? escalationFrom(row) : null;
}

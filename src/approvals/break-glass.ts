import { agentOwner, recordBreakGlassDecision } from "../db/decisions";
import { escalationRow } from "../db/escalations";
import { escalationEntry } from "../ledger";
import { redactText } from "../redaction";
import type { LedgerRecorder } from "./decisions";
import { escalationWithPage, statusAt, type EscalationWithPage } from "./escalations";

/** Longest break-glass reason, in characters. */
export const MAX_BREAK_GLASS_REASON = 500;
/** Longest name a break-glass decider is given as (Notion's limit for a select option, as approvers are named). */
export const MAX_BREAK_GLASS_PERSON = 100;

/** A decision taken through the admin API while Notion is unreachable, on behalf of one of the approvers. */
export interface BreakGlassRequest {
  tenant_id: string;
  escalation_id: string;
  decision: "approved" | "denied";
  /** The approver deciding, named as the escalation names its approvers. */
  as: string;
  /** Why, in the decider's words; redacted before it is stored. */
  reason: string;
}

/** Why a break-glass decision was refused; each is a stable reason code of the admin API. */
export type BreakGlassRefusal =
  | "escalation_not_found"
  | "escalation_expired"
  | "escalation_already_decided"
  | "not_an_approver"
  | "approver_is_requester"
  | "approver_owns_agent";

/** What a break-glass request did: recorded (the escalation after), or refused with a code and a sentence. */
export type BreakGlassResult =
  | { result: "accepted"; escalation: EscalationWithPage }
  | { result: "refused"; reason_code: BreakGlassRefusal; message: string };

/** Who the escalation and the agent name, against which a break-glass decider is checked. */
export interface BreakGlassFacts {
  escalation: Pick<EscalationWithPage, "id" | "approvers" | "requested_for">;
  /** Whom the agent's row names as its owner (null: nobody). */
  agent_owner: string | null;
  /** The person the admin says is deciding. */
  as: string;
}

/** Whether a break-glass decider may decide: `allowed` gives the approver as the escalation names them. */
export type MayDecideBreakGlass =
  { verdict: "allowed"; decided_by: string } | { verdict: "refused"; reason_code: BreakGlassRefusal; message: string };

/**
 * Separation of duties for a break-glass decision, as a pure rule: the rules of a decision taken in Notion
 * (`mayDecide`, may-decide.ts), over names only since Notion's people cannot be asked. The decider must be one of
 * the escalation's approvers, named exactly as it names them (case aside), and may be neither the person the agent
 * acted for nor the agent's owner (matched generously, by name, email or email local part: it only ever refuses).
 */
export function mayDecideBreakGlass(facts: BreakGlassFacts): MayDecideBreakGlass {
  const { escalation, agent_owner, as } = facts;
  const approvers = escalation.approvers.join(", ") || "none is named";
  const refused = (reason_code: BreakGlassRefusal, why: string) => ({
    verdict: "refused" as const,
    reason_code,
    message: `${as} ${why} and cannot decide escalation ${escalation.id}; an approver (${approvers}) must.`,
  });
  if (escalation.requested_for && samePerson(escalation.requested_for, as))
    return refused("approver_is_requester", "asked for this call");
  if (agent_owner && samePerson(agent_owner, as))
    return refused("approver_owns_agent", "owns the agent that made this call");
  const approver = escalation.approvers.find((name) => normalized(name) === normalized(as));
  if (!approver) return refused("not_an_approver", "is not an approver of this request");
  return { verdict: "allowed", decided_by: approver };
}

/**
 * Takes a break-glass decision on a pending, unexpired escalation of the tenant: checked by
 * {@link mayDecideBreakGlass}, recorded in D1 with its redacted reason as taken `via` break-glass (one conditional
 * UPDATE, so of it and a decision taken in Notion the first stands), then in the ledger. Never calls Notion: the
 * page is told by the page-following pass once Notion answers. Callers serialize per escalation (its `EscalationDO`).
 */
export async function decideBreakGlass(
  db: D1Database,
  request: BreakGlassRequest,
  options: { record: LedgerRecorder; now?: Date },
): Promise<BreakGlassResult> {
  const { record, now = new Date() } = options;
  const row = await escalationRow(db, request.escalation_id, request.tenant_id);
  if (!row)
    return {
      result: "refused",
      reason_code: "escalation_not_found",
      message: `Tenant ${request.tenant_id} has no escalation "${request.escalation_id}".`,
    };
  const escalation = escalationWithPage(row);
  const standing = notPending(escalation, now);
  if (standing) return standing;

  const verdict = mayDecideBreakGlass({
    escalation,
    agent_owner: await agentOwner(db, escalation.tenant_id, escalation.agent_id),
    as: request.as.trim(),
  });
  if (verdict.verdict === "refused") return { result: "refused", ...verdict };

  const reason = redactText(request.reason.trim()).text;
  const recorded = await recordBreakGlassDecision(db, escalation, {
    status: request.decision,
    decided_by: verdict.decided_by,
    reason,
    at: now.toISOString(),
  });
  if (!recorded) {
    // Decided in Notion, or expired, since it was read: say what is true instead.
    const truth = escalationWithPage((await escalationRow(db, escalation.id)) ?? row);
    const refusal = notPending(truth, now);
    if (!refusal) throw new Error(`escalation ${escalation.id} is pending, yet its decision was not recorded`);
    return refusal;
  }
  const decided = escalationWithPage(recorded);
  await record([
    escalationEntry(null, {
      escalation_id: decided.id,
      agent_id: decided.agent_id,
      tool: decided.tool,
      event: "decided",
      decision: request.decision,
      decided_by: verdict.decided_by,
      source: "admin",
      via: "break_glass",
      reason,
    }),
  ]);
  return { result: "accepted", escalation: decided };
}

/** The refusal for an escalation that is no longer pending at `now`, naming who decided it and where; else null. */
function notPending(escalation: EscalationWithPage, now: Date): BreakGlassResult | null {
  const status = statusAt(escalation, now);
  if (status === "pending") return null;
  if (status === "expired")
    return {
      result: "refused",
      reason_code: "escalation_expired",
      message: `Escalation ${escalation.id} expired at ${escalation.expires_at} undecided; the agent's retry opens a new request.`,
    };
  const where = escalation.decided_via === "break_glass" ? "by break-glass" : "in Notion";
  const by = escalation.decided_by ? ` by ${escalation.decided_by} ${where}` : "";
  const when = escalation.decided_at ? ` at ${escalation.decided_at}` : "";
  return {
    result: "refused",
    reason_code: "escalation_already_decided",
    message: `Escalation ${escalation.id} is ${status} already${by}${when}; the first decision stands.`,
  };
}

const normalized = (name: string) => name.trim().toLowerCase();

/** Whether two names of people may be the same person: equal, or one an email whose local part is the other. */
function samePerson(a: string, b: string): boolean {
  const [x, y] = [normalized(a), normalized(b)];
  const local = (name: string) => name.split("@")[0]!;
  return x === y || local(x) === local(y);
}

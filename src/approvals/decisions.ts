import { agentOwner, escalationIdOfPage, recordDecision, recordUnattributedDecision } from "../db/decisions";
import { escalationRow } from "../db/escalations";
import { recordPageReverted } from "../db/approval-pages";
import type { Env } from "../env";
import type { LedgerEntryInput } from "../ledger/types";
import { escalationEntry, type EscalationBodyV1 } from "../ledger";
import type { ObjectFault } from "./escalation.do";
import { escalationObject } from "./escalation-object";
import { DECISION_LABELS, showStatus } from "./follow-page";
import { mayDecide, type DecisionSignal } from "./may-decide";
import { settleAll } from "./settle-all";
import type { ApprovalPages, ApprovalPagesFor } from "./ports";
import { escalationWithPage, statusAt, type Escalation, type EscalationWithPage } from "./escalations";

/** Appends an intake's ledger entries; the escalation's object keeps them until the ledger has them. */
export type LedgerRecorder = (entries: LedgerEntryInput[]) => Promise<void>;

/** One escalation's page to take a decision from. */
export interface DecisionIntake {
  tenant_id: string;
  escalation_id: string;
  page_id: string;
  signal: DecisionSignal;
}

/**
 * What taking a decision did. `accepted`: recorded in D1, the ledger and on the page. `refused`: the Decision went
 * back to Pending with a comment saying why. `unattributed`: seen only by the poll, recorded and commented, not
 * acted on. `not_pending`: the escalation was decided, executed or expired already; the page shows that again.
 */
export type IntakeResult =
  | { result: "accepted"; decision: "approved" | "denied"; decided_by: string }
  | { result: "refused"; comment: string }
  | { result: "unattributed"; decision: "approved" | "denied" }
  | { result: "not_pending"; status: Escalation["status"] }
  | {
      result: "ignored";
      reason: "no_connection" | "unknown_page" | "undecided" | "not_this_edit" | "already_recorded";
    };

/** What a webhook event says about who made an edit (a Notion webhook event has this shape). */
export interface EditEvent {
  authors?: readonly { id: string; type: string }[];
  data?: { updated_properties?: readonly string[] };
}

/** Page ids compare without dashes and case. */
const sameId = (a: string, b: string) => a.replaceAll("-", "").toLowerCase() === b.replaceAll("-", "").toLowerCase();

/**
 * Takes the decision an escalation's Approvals page shows now (events may come late, twice or out of order: the
 * page's current state is what counts). It counts only as {@link mayDecide} says, and is recorded only while the
 * escalation is pending. Callers serialize per escalation ({@link EscalationDO}).
 */
export async function takeDecision(
  db: D1Database,
  pagesFor: ApprovalPagesFor,
  intake: DecisionIntake,
  options: { record: LedgerRecorder; now?: Date },
): Promise<IntakeResult> {
  const { record, now = new Date() } = options;
  const row = await escalationRow(db, intake.escalation_id, intake.tenant_id);
  if (!row || typeof row.notion_page_id !== "string" || !sameId(row.notion_page_id, intake.page_id))
    return { result: "ignored", reason: "unknown_page" };
  const escalation = escalationWithPage(row);
  const page_id = row.notion_page_id;
  const pages = await pagesFor(intake.tenant_id);
  if (!pages) return { result: "ignored", reason: "no_connection" };
  const page = await pages.read(page_id);
  if (!page || page.escalation_id !== escalation.id) return { result: "ignored", reason: "unknown_page" };

  const status = statusAt(escalation, now);
  if (status !== "pending") {
    if ((page.decision ?? "Pending") !== DECISION_LABELS[status]) await showStatus(db, pages, escalation, now);
    return { result: "not_pending", status };
  }
  const facts = { escalation, page, signal: intake.signal };
  let verdict = mayDecide(facts);
  if (verdict.verdict === "identify") {
    // Every lookup runs to its end before the intake does: with Promise.all, a lookup still waiting on Notion when
    // another failed would outlive its intake and run into the next one on this escalation's object.
    const [people, user, agent_owner] = await settleAll([
      pages.people(),
      pages.user(verdict.user_id),
      agentOwner(db, escalation.tenant_id, escalation.agent_id),
    ] as const);
    verdict = mayDecide({ ...facts, decider: { user, people, agent_owner } });
  }
  switch (verdict.verdict) {
    case "identify":
      throw new Error("mayDecide asked twice who decided");
    case "ignored":
      return { result: "ignored", reason: verdict.reason };
    case "refused":
      return revert(db, pages, escalation, verdict.comment);
    case "unattributed":
      return unattributed(db, pages, escalation, { ...verdict, last_edited_by: page.last_edited_by }, now, record);
  }

  const { decision, decided_by } = verdict;
  const recorded = await recordDecision(db, escalation, {
    status: decision,
    decided_by,
    decided_by_user_id: verdict.user_id,
    at: now.toISOString(),
  });
  if (!recorded) {
    // Expired (or decided elsewhere) since it was read: the page shows what is true instead.
    const truth = escalationWithPage((await escalationRow(db, escalation.id)) ?? row);
    await showStatus(db, pages, truth, now);
    return { result: "not_pending", status: statusAt(truth, now) };
  }
  const decided = escalationWithPage(recorded);
  await record([decisionEvent(decided, { event: "decided", decision, decided_by, source: intake.signal.source })]);
  await showStatus(db, pages, decided, now);
  return { result: "accepted", decision, decided_by };
}

/**
 * The fast path: a verified webhook event about a page in the tenant's Approvals database. Finds the page's
 * escalation among this tenant's only, and hands the event to the escalation's object, which takes the decision
 * (or answers the fault that stopped it).
 */
export async function takeWebhookDecision(
  env: Pick<Env, "DB" | "ESCALATIONS">,
  tenant_id: string,
  page_id: string,
  event: EditEvent,
): Promise<IntakeResult | ObjectFault> {
  const compact = page_id.replaceAll("-", "").toLowerCase();
  const dashed = compact.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
  const escalation_id = await escalationIdOfPage(env.DB, tenant_id, [page_id, compact, dashed]);
  if (!escalation_id) return { result: "ignored", reason: "unknown_page" };
  return escalationObject(env, escalation_id).takeDecision({
    tenant_id,
    escalation_id,
    page_id,
    signal: {
      source: "webhook",
      authors: event.authors ?? [],
      updated_properties: event.data?.updated_properties ?? [],
    },
  });
}

/** Sets the page's Decision back to Pending and says why in a comment. */
async function revert(db: D1Database, pages: ApprovalPages, escalation: EscalationWithPage, comment: string) {
  const page_id = escalation.notion_page_id!;
  await recordPageReverted(db, escalation.id, await pages.setDecision(page_id, { label: "Pending" }));
  await pages.comment(page_id, comment);
  return { result: "refused" as const, comment };
}

/**
 * Records a decision the poll saw but cannot attribute (someone else edited the page too, or its last editor is not
 * a person), puts the Decision back to Pending and asks an approver to set it again.
 */
async function unattributed(
  db: D1Database,
  pages: ApprovalPages,
  escalation: EscalationWithPage,
  seen: { decision: "approved" | "denied"; comment: string; last_edited_by: string },
  now: Date,
  record: LedgerRecorder,
): Promise<IntakeResult> {
  const { decision, last_edited_by } = seen;
  const recorded = await recordUnattributedDecision(db, escalation, decision, now.toISOString());
  if (!recorded) return { result: "ignored", reason: "already_recorded" };
  await record([
    decisionEvent(escalationWithPage(recorded), {
      event: "decision_unattributed",
      decision,
      last_edited_by,
      source: "poll",
    }),
  ]);
  await revert(db, pages, escalation, seen.comment);
  return { result: "unattributed", decision };
}

/** An `escalation` ledger entry about a decision taken in Notion. */
function decisionEvent(
  escalation: Escalation,
  fields:
    | Omit<Extract<EscalationBodyV1, { event: "decided" }>, keyof EscalationAbout>
    | Omit<Extract<EscalationBodyV1, { event: "decision_unattributed" }>, keyof EscalationAbout>,
): LedgerEntryInput {
  return escalationEntry(null, {
    escalation_id: escalation.id,
    agent_id: escalation.agent_id,
    tool: escalation.tool,
    ...fields,
  });
}

/** The members every escalation entry carries. */
type EscalationAbout = Pick<EscalationBodyV1, "escalation_id" | "agent_id" | "tool">;

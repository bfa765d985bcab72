import { givePageDecisionUp, markBreakGlassShown, pagesBehind, recordPageDecision } from "../db/approval-pages";
import { escalationRow } from "../db/escalations";
import type { Env } from "../env";
import { escalationObject } from "./escalation-object";
import { escalationWithPage, statusAt, type Escalation, type EscalationWithPage } from "./escalations";
import type { ApprovalPages, ApprovalPagesFor } from "./ports";

/** How many pages one pass brings up to date with their escalations. */
const FOLLOW_LIMIT = 25;

/** The Decision each escalation status shows on its page. */
export const DECISION_LABELS: Record<Escalation["status"], string> = {
  pending: "Pending",
  approved: "Approved",
  denied: "Denied",
  expired: "Expired",
  executed: "Executed",
  cancelled: "Cancelled",
};

/**
 * Brings pages up to date with their escalations: a decided, executed, expired or cancelled escalation whose page
 * was last written as something else gets its Decision (and Decided by/at) written, each through its object.
 * Throws at the first page Notion cannot take now.
 */
export async function followPages(
  env: Pick<Env, "DB" | "ESCALATIONS">,
  tenant_id: string,
): Promise<{ tenant_id: string; updated: number }> {
  let updated = 0;
  for (const id of await pagesBehind(env.DB, tenant_id, FOLLOW_LIMIT)) {
    const followed = await escalationObject(env, id).followPage({ tenant_id, escalation_id: id });
    // Notion is down or slow: the pages after this one would fail too; the next pass starts again.
    if (typeof followed === "object") throw new Error(`page of escalation ${id}: ${followed.error}`);
    if (followed === "written") updated++;
  }
  return { tenant_id, updated };
}

/**
 * Writes an escalation's status to its page as its Decision, when the tenant is connected and the page exists.
 * A page the workspace refuses to update (deleted, or its schema changed) is given up, so no pass tries it again;
 * a workspace that is down throws, and the next pass tries again.
 */
export async function followPage(
  db: D1Database,
  pagesFor: ApprovalPagesFor,
  target: { tenant_id: string; escalation_id: string },
  now = new Date(),
): Promise<"written" | "skipped" | "page_refused"> {
  const row = await escalationRow(db, target.escalation_id, target.tenant_id);
  if (!row?.notion_page_id) return "skipped";
  const pages = await pagesFor(target.tenant_id);
  if (!pages) return "skipped";
  const escalation = escalationWithPage(row);
  try {
    await showStatus(db, pages, escalation, now);
    return "written";
  } catch (error) {
    if (!pages.isPageFault(error)) throw error;
    console.error(`approval page of ${escalation.id} refused its Decision, given up: ${String(error)}`);
    await givePageDecisionUp(db, escalation);
    return "page_refused";
  }
}

/**
 * Writes the Decision the escalation's status shows (with Decided by/at once decided) and remembers it. A decision
 * taken by break-glass is first told on the page, once, in a comment saying by whom, why and when; its Decided by
 * names the approver when the workspace has them.
 */
export async function showStatus(db: D1Database, pages: ApprovalPages, escalation: EscalationWithPage, now: Date) {
  const status = statusAt(escalation, now);
  const page_id = escalation.notion_page_id!;
  const breakGlass = escalation.decided_via === "break_glass";
  if (breakGlass && !escalation.break_glass_shown_at) {
    await pages.comment(page_id, breakGlassNote(escalation));
    await markBreakGlassShown(db, escalation, now.toISOString());
  }
  const decider =
    breakGlass && escalation.decided_by ? ((await pages.people()).get(escalation.decided_by) ?? null) : null;
  const fingerprint = await pages.setDecision(page_id, {
    label: DECISION_LABELS[status],
    decided_at: escalation.decided_at,
    decided_by_user_id: escalation.decided_by_user_id ?? decider,
  });
  await recordPageDecision(db, escalation, { decision: status, fingerprint });
}

/**
 * What an Approvals page says of a decision taken by break-glass.
 *
 * @example breakGlassNote(escalation) // "Decided by break-glass while Notion was unreachable: ops approved …"
 */
export function breakGlassNote(
  escalation: Pick<EscalationWithPage, "status" | "decided_by" | "decided_at" | "decision_reason">,
): string {
  const decision = escalation.status === "denied" ? "denied" : "approved";
  return (
    `Decided by break-glass while Notion was unreachable: ${escalation.decided_by ?? "an approver"} ${decision} ` +
    `this request at ${escalation.decided_at ?? "an unknown time"} through the Policy OS admin API. ` +
    `Reason: ${escalation.decision_reason ?? "none given"}. A Decision set on this page now does not count.`
  );
}

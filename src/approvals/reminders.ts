import { markReminded } from "../db/approval-pages";
import { escalationRow } from "../db/escalations";
import { escalationFrom } from "./escalations";
import type { ApprovalPagesFor } from "./ports";

/**
 * Reminds an undecided escalation's approvers: one comment on its Approvals page that names each approver (see
 * `ApprovalPages.remind`), says how long the request has waited and when it expires. `sent` once commented (and
 * recorded as `reminded_at`); `not_needed` when the escalation is no longer pending or its tenant is not
 * connected; `retry` when the page does not exist yet. Throws when the workspace fails (the caller retries).
 */
export async function remindApprovers(
  db: D1Database,
  pagesFor: ApprovalPagesFor,
  target: { tenant_id: string; escalation_id: string },
  now: Date,
): Promise<"sent" | "not_needed" | "retry"> {
  const row = await escalationRow(db, target.escalation_id, target.tenant_id);
  if (!row || row.status !== "pending" || row.reminded_at || String(row.expires_at) <= now.toISOString())
    return "not_needed";
  const pages = await pagesFor(target.tenant_id);
  if (!pages) return "not_needed";
  if (typeof row.notion_page_id !== "string") return "retry";
  const escalation = escalationFrom(row);
  await pages.remind(row.notion_page_id, escalation);
  await markReminded(db, escalation.id, now.toISOString());
  return "sent";
}

import { pendingWithPage, webhooksArrive } from "../db/decisions";
import type { Env } from "../env";
import { escalationObject } from "./escalation-object";
import type { ApprovalPagesFor } from "./ports";

/** The poll leaves a decision this young to the webhook, which can say who made it. */
export const POLL_GRACE_MS = 2 * 60_000;

/** What one poll of a tenant's Approvals database found. */
export interface DecisionPollReport {
  tenant_id: string;
  /** Pages of pending escalations showing Approved or Denied, old enough to be the poll's to take. */
  seen: number;
  /** Decisions taken (recorded, or refused back to Pending with a comment). */
  taken: number;
  unattributed: number;
  skipped?: "no_connection";
}

/**
 * The backstop: finds pages of this tenant's pending escalations whose Decision is Approved or Denied (from the
 * oldest pending page's creation) and takes each through the escalation's object as the poll saw it. While webhooks
 * reach the tenant, a decision younger than `grace_ms` (default 2 minutes) is left to the webhook, which names
 * every author of an edit; without webhooks the poll takes decisions at once. Throws at the first intake that
 * fails (Notion down or slow), having decided nothing from it.
 */
export async function pollDecisions(
  env: Pick<Env, "DB" | "ESCALATIONS">,
  pagesFor: ApprovalPagesFor,
  tenant_id: string,
  options: { now?: () => Date; grace_ms?: number } = {},
): Promise<DecisionPollReport> {
  const report: DecisionPollReport = { tenant_id, seen: 0, taken: 0, unattributed: 0 };
  const now = (options.now ?? (() => new Date()))();
  const pages = await pagesFor(tenant_id);
  if (!pages) return { ...report, skipped: "no_connection" };
  const pending = await pendingWithPage(env.DB, tenant_id, now.toISOString());
  if (pending.length === 0) return report;
  const byPage = new Map(pending.map((row) => [row.notion_page_id.replaceAll("-", "").toLowerCase(), row]));
  // The workspace's clock is not ours: start a little before the oldest pending page was created.
  const since = new Date(Date.parse(pending[0]!.created_at) - POLL_GRACE_MS).toISOString();
  const grace_ms = options.grace_ms ?? ((await webhooksArrive(env.DB, tenant_id)) ? POLL_GRACE_MS : 0);
  const youngest = now.getTime() - grace_ms;
  for await (const page of pages.decidedPages(since)) {
    const row = byPage.get(page.page_id.replaceAll("-", "").toLowerCase());
    if (!row || Date.parse(page.last_edited_time) > youngest) continue;
    report.seen++;
    const taken = await escalationObject(env, row.id).takeDecision({
      tenant_id,
      escalation_id: row.id,
      page_id: page.page_id,
      signal: { source: "poll" },
    });
    // Notion failed behind this page (read, user lookup, write): nothing was decided, the next poll tries again.
    if (taken.result === "failed") throw new Error(`decision intake of escalation ${row.id} failed: ${taken.error}`);
    if (taken.result === "unattributed") report.unattributed++;
    else if (taken.result === "accepted" || taken.result === "refused") report.taken++;
  }
  return report;
}

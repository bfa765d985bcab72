import {
  claimPageWrite,
  markPageAttempted,
  pendingWithoutPage,
  recordPage,
  releasePageClaim,
  storePageArguments,
} from "../db/approval-pages";
import { escalationRow } from "../db/escalations";
import { escalationWithPage, type EscalationWithPage } from "./escalations";
import { argumentsForPage } from "./page-arguments";
import { settleAll } from "./settle-all";
import { pageFacts } from "./page-facts";
import type { ApprovalPages, ApprovalPagesFor } from "./ports";

/** How many pending escalations one pass writes, unless told otherwise. */
export const DEFAULT_PASS_LIMIT = 25;
/** How long a pass holds an escalation: longer than a lookup and a create at the workspace's 20 s deadlines. */
const CLAIM_MS = 3 * 20_000;

/** What writing one escalation's page did. */
export type ApprovalPageResult =
  | { status: "created" | "found" | "exists"; page_id: string }
  | { status: "skipped"; reason: "unknown_escalation" | "not_pending" | "no_connection" | "in_progress" }
  /** `notion_down`: the workspace, or the integration's access to it, failed as a whole, so a pass stops there. */
  | { status: "failed"; error: string; notion_down: boolean };

/** What one pass over a tenant's pending escalations did. */
export interface ApprovalPagesReport {
  tenant_id: string;
  created: number;
  /** Pages an earlier, unconfirmed create had made, found by Escalation ID. */
  found: number;
  failed: number;
  /** Set when the tenant has no workspace connected: nothing was read. */
  skipped?: "no_connection";
  /** Why the pass stopped early (the workspace down, slow or refusing the integration); the rest waits. */
  error?: string;
}

/**
 * Gives each of a tenant's pending escalations without a page its one Approvals page, oldest first. Runs in the
 * background: when the workspace is down the pass stops and the next one carries on; a create whose answer was
 * lost is looked up by Escalation ID before it is sent again, so no page is ever made twice. A tenant without a
 * workspace connected is skipped, and only this tenant's escalations are read.
 */
export async function ensureApprovalPages(
  db: D1Database,
  pagesFor: ApprovalPagesFor,
  tenant_id: string,
  options: { limit?: number; now?: () => Date } = {},
): Promise<ApprovalPagesReport> {
  const report: ApprovalPagesReport = { tenant_id, created: 0, found: 0, failed: 0 };
  const pages = await pagesFor(tenant_id);
  if (!pages) return { ...report, skipped: "no_connection" };
  const now = options.now ?? (() => new Date());
  const rows = await pendingWithoutPage(db, tenant_id, now().toISOString(), options.limit ?? DEFAULT_PASS_LIMIT);
  const write = pageWriter(db, pages, now);
  for (const row of rows) {
    const result = await write(escalationWithPage(row));
    if (result.status === "created") report.created++;
    else if (result.status === "found") report.found++;
    else if (result.status === "failed") {
      report.failed++;
      if (result.notion_down) return { ...report, error: result.error };
    }
  }
  return report;
}

/**
 * Gives one escalation its Approvals page now (the pipeline calls it right after opening an escalation), storing
 * the call's `arguments` with it first when given (cut and hidden as {@link argumentsForPage} says). Never throws
 * for the workspace's faults: a failed attempt is left to the next {@link ensureApprovalPages} pass.
 */
export async function ensureApprovalPage(
  db: D1Database,
  pagesFor: ApprovalPagesFor,
  escalation_id: string,
  options: { arguments?: unknown; now?: () => Date } = {},
): Promise<ApprovalPageResult> {
  const row = await escalationRow(db, escalation_id);
  if (!row) return { status: "skipped", reason: "unknown_escalation" };
  const escalation = escalationWithPage(row);
  if (options.arguments !== undefined && escalation.arguments === null) {
    escalation.arguments = JSON.stringify(argumentsForPage(options.arguments));
    await storePageArguments(db, escalation, escalation.arguments);
  }
  if (escalation.notion_page_id) return { status: "exists", page_id: escalation.notion_page_id };
  if (escalation.status !== "pending") return { status: "skipped", reason: "not_pending" };
  const pages = await pagesFor(escalation.tenant_id);
  if (!pages) return { status: "skipped", reason: "no_connection" };
  return pageWriter(db, pages, options.now ?? (() => new Date()))(escalation);
}

/**
 * Writes pages for one tenant's escalations, each under a claim, finding the page an earlier unanswered create may
 * have made; the workspace's people are read once per writer.
 */
function pageWriter(db: D1Database, pages: ApprovalPages, now: () => Date) {
  let people: Promise<ReadonlyMap<string, string>> | null = null;
  return async (escalation: EscalationWithPage): Promise<ApprovalPageResult> => {
    // The claim also reads whether a create was ever sent: another pass may have sent one since the row was listed.
    const claimed = await claimPageWrite(db, escalation, {
      until: new Date(now().getTime() + CLAIM_MS).toISOString(),
      now: now().toISOString(),
    });
    if (!claimed) return { status: "skipped", reason: "in_progress" };
    try {
      // The workspace has no idempotency keys: a create sent before may have made the page though no answer came.
      if (claimed.notion_page_attempted_at) {
        const found = await pages.findPage(escalation.id);
        if (found) {
          await recordPage(db, escalation, found);
          return { status: "found", page_id: found.page_id };
        }
      }
      people ??= pages.people();
      // Both awaited from the start: a lookup that failed while the facts were read would otherwise be unhandled.
      const [facts, approvers] = await settleAll([pageFacts(db, escalation), people] as const);
      await markPageAttempted(db, escalation, now().toISOString());
      const created = await pages.createPage(escalation, facts, approvers);
      await recordPage(db, escalation, created);
      return { status: "created", page_id: created.page_id };
    } catch (error) {
      people = null;
      await releasePageClaim(db, escalation);
      console.error(`approval page for ${escalation.tenant_id}/${escalation.id} failed: ${describe(error)}`);
      return { status: "failed", error: describe(error), notion_down: !pages.isPageFault(error) };
    }
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

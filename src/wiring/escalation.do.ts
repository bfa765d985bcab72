import { EscalationDO } from "../approvals/escalation.do";
import { notionApprovalPages } from "../notion/approvals/notion-approval-pages";
import { endDecidedTasks } from "./decided-tasks";
import { notifyHoldExpiring } from "./hold-expiring";

/**
 * The escalation's Durable Object the Worker exports (as `EscalationDO`): its Approvals pages in Notion, the
 * tenant's notification channels for a held call nearing its expiry, and the MCP tasks that wait on its decision.
 */
export class NotionEscalationDO extends EscalationDO {
  protected override readonly pagesFor = notionApprovalPages(this.env);

  protected override holdExpiring(target: { tenant_id: string; escalation_id: string }): Promise<void> {
    return notifyHoldExpiring(this.env, target);
  }

  protected override async endWaiting(target: { tenant_id: string; escalation_id: string }): Promise<void> {
    await endDecidedTasks(this.env, this.ctx, target);
  }
}

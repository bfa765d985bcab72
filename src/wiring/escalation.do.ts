import { EscalationDO } from "../approvals/escalation.do";
import { notionApprovalPages } from "../notion/approvals/notion-approval-pages";

/** The escalation's Durable Object the Worker exports (as `EscalationDO`), its Approvals pages in Notion. */
export class NotionEscalationDO extends EscalationDO {
  protected override readonly pagesFor = notionApprovalPages(this.env);
}

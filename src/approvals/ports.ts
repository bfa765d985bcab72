import type { Escalation } from "./escalations";
import type { PageFacts } from "./page-facts";

/**
 * What the approval flows need from the place people decide (a tenant's Approvals database in Notion, see
 * src/notion/approvals/): one page per escalation, read and written by these operations only.
 */

/** An Approvals page as it is now: what it shows, and what says who set its Decision. */
export interface ApprovalPageState {
  page_id: string;
  /** The Escalation ID the page shows, when it is a live page of the tenant's Approvals database (else null). */
  escalation_id: string | null;
  /** The Decision's option name; null when unset. */
  decision: string | null;
  /** The id of the page's Decision property, as webhook events name changed properties (null: it has none). */
  decision_property_id: string | null;
  /** The user who edited the page last. */
  last_edited_by: string;
  /** What the page shows besides its Decision, as a hash: unchanged means nobody edited anything else. */
  fingerprint: string;
}

/** A user of the workspace, as far as telling who decided needs. */
export interface WorkspaceUser {
  id: string;
  /** `person` for people; anything else (a bot) never decides. */
  type: string;
  name: string | null;
  /** A person's email, when the workspace shares it. */
  email: string | null;
}

/** A page Policy OS wrote, and its fingerprint (see {@link ApprovalPageState}) right after. */
export interface WrittenPage {
  page_id: string;
  fingerprint: string;
}

/** The Decision Policy OS shows on a page, with who decided and when once someone has. */
export interface ShownDecision {
  label: string;
  decided_at?: string | null;
  decided_by_user_id?: string | null;
}

/** A labelled part of a summary, shown as the label in bold, then the text. */
export interface SummaryPart {
  label: string;
  text: string;
}

/** One tenant's Approvals pages. Every operation may throw when the workspace cannot be reached. */
export interface ApprovalPages {
  /** The page as it is now; null when the workspace answered with less than a whole page. */
  read(page_id: string): Promise<ApprovalPageState | null>;
  /** A user of the workspace by id. */
  user(user_id: string): Promise<WorkspaceUser>;
  /** The workspace's people by the names Policy OS gives people as (name, email, unique email local part) → id. */
  people(): Promise<ReadonlyMap<string, string>>;
  /** Shows a Decision on the page; returns the page's fingerprint after (null when it cannot be told). */
  setDecision(page_id: string, shown: ShownDecision): Promise<string | null>;
  /** Posts a comment on the page. */
  comment(page_id: string, text: string): Promise<void>;
  /** Reminds the escalation's approvers on its page, naming each one (people it can, the others by name). */
  remind(page_id: string, escalation: Pick<Escalation, "approvers" | "created_at" | "expires_at">): Promise<void>;
  /** The page an earlier create made for the escalation, found by its Escalation ID; null when there is none. */
  findPage(escalation_id: string): Promise<WrittenPage | null>;
  /**
   * Creates the escalation's page: Decision Pending, the template summary and the facts given, its approvers
   * resolved through `people` (see {@link ApprovalPages.people}).
   */
  createPage(escalation: Escalation, facts: PageFacts, people: ReadonlyMap<string, string>): Promise<WrittenPage>;
  /** Pages showing Approved or Denied that were created on or after `since`, in the order the workspace lists them. */
  decidedPages(since: string): AsyncIterable<{ page_id: string; last_edited_time: string }>;
  /** Puts a summary in place of the page's template summary (at the end, when someone moved that). */
  replaceSummary(page_id: string, parts: readonly SummaryPart[]): Promise<void>;
  /** Whether an error concerns one page's content (it was deleted, or refused) rather than the workspace as a whole. */
  isPageFault(error: unknown): boolean;
}

/** Opens a tenant's Approvals pages; null when the tenant has no workspace connected. */
export type ApprovalPagesFor = (tenant_id: string) => Promise<ApprovalPages | null>;

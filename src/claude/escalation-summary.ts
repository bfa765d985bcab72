import { z } from "zod";
import { escalationWithPage, type EscalationWithPage } from "../approvals/escalations";
import { pageFacts } from "../approvals/page-facts";
import type { ApprovalPagesFor, SummaryPart } from "../approvals/ports";
import {
  awaitingSummary,
  claimSummaryAttempt,
  exhaustSummaryAttempts,
  markSummaryByClaude,
} from "../db/approval-pages";
import { escalationRow } from "../db/escalations";
import type { Env } from "../env";
import { redact } from "../redaction";
import { askClaude, claudeConfigured, type ClaudeFailure } from "./claude";
import { plainText, quotedData, UNTRUSTED_DATA_RULES } from "./prompt";

/** How often Claude is asked for one escalation's summary before its page keeps the template for good. */
export const SUMMARY_ATTEMPTS = 3;
/** Claude answers in at most this many tokens. */
export const SUMMARY_MAX_TOKENS = 800;
/** How many pending escalations one cron pass asks Claude about. */
const PASS_LIMIT = 10;

/** How Claude's summary label reads on the page. */
export const CLAUDE_SUMMARY_LABEL = "Summary (Claude): ";

const summarySchema = z.object({
  request: z.string().describe("What the agent is trying to do, in one or two plain sentences."),
  why_held: z.string().describe("Why Policy OS held the call: the policy and what in the call it matched."),
  checks: z.array(z.string()).describe("What the approver should check before deciding, most important first."),
  risks: z.array(z.string()).describe("Risk factors in this request, most serious first."),
  precedent: z.string().describe("How similar past requests were decided, or that there were none."),
});

/** What Claude writes for an approver. It informs a person; it never decides anything. */
export type EscalationSummary = z.infer<typeof summarySchema>;

/** Bounds on what reaches the page, whatever Claude answered. */
const LIMITS = { sentence: 400, item: 200, items: 5 } as const;

const SYSTEM = `You write short, factual summaries for the people who approve or deny an AI agent's held tool call.
You do not decide and you do not recommend approving or denying: the approver decides.
${UNTRUSTED_DATA_RULES}
Write plain sentences without markdown. Answer only by calling the write_summary tool.`;

/** What asking for one escalation's summary did: written to its page, the template kept, or not asked. */
export type SummaryResult =
  | { status: "written"; page_id: string }
  | { status: "template"; failure: ClaudeFailure | "notion_failed" }
  | { status: "skipped"; reason: "no_key" | "unknown_escalation" | "no_page" | "not_pending" | "done" };

/**
 * Asks Claude to summarise a held call and puts the summary at the top of its Approvals page, in place of the
 * template's. The page exists first and keeps its template summary, marked as such, when Claude fails, times out,
 * is rate-limited or the tenant's cap is reached; a later pass asks again (at most {@link SUMMARY_ATTEMPTS} times).
 * Claude sees only redacted data, quoted as untrusted; what it writes is bounded before it reaches the page.
 */
export async function summarizeEscalation(
  env: Env,
  pagesFor: ApprovalPagesFor,
  escalation_id: string,
): Promise<SummaryResult> {
  if (!claudeConfigured(env)) return { status: "skipped", reason: "no_key" };
  const row = await escalationRow(env.DB, escalation_id);
  if (!row) return { status: "skipped", reason: "unknown_escalation" };
  const escalation = escalationWithPage(row);
  if (!escalation.notion_page_id) return { status: "skipped", reason: "no_page" };
  if (escalation.status !== "pending") return { status: "skipped", reason: "not_pending" };
  if (!(await claimSummaryAttempt(env.DB, escalation, SUMMARY_ATTEMPTS))) return { status: "skipped", reason: "done" };

  const answer = await askClaude(env, {
    tenant_id: escalation.tenant_id,
    purpose: "escalation_summary",
    subject: escalation.id,
    system: SYSTEM,
    prompt: await summaryPrompt(env.DB, escalation),
    tool: {
      name: "write_summary",
      description: "Writes the approver's summary of the held call.",
      schema: summarySchema,
    },
    max_tokens: SUMMARY_MAX_TOKENS,
  });
  if (!answer.ok) {
    // Past the cap, asking again this month only records more refusals.
    if (answer.failure === "capped") await exhaustSummaryAttempts(env.DB, escalation, SUMMARY_ATTEMPTS);
    return { status: "template", failure: answer.failure };
  }

  const pages = await pagesFor(escalation.tenant_id);
  if (!pages) return { status: "template", failure: "notion_failed" };
  try {
    // Once someone has set Decision, the summary is moot, and editing the page now would make Policy OS its last
    // editor, which the poll needs to be the person who decided.
    const page = await pages.read(escalation.notion_page_id);
    if (!page || page.decision !== "Pending") return { status: "skipped", reason: "not_pending" };
    await pages.replaceSummary(escalation.notion_page_id, summaryParts(answer.value));
  } catch (error) {
    console.error(`claude summary for ${escalation.tenant_id}/${escalation.id} not written: ${String(error)}`);
    return { status: "template", failure: "notion_failed" };
  }
  await markSummaryByClaude(env.DB, escalation);
  return { status: "written", page_id: escalation.notion_page_id };
}

/** Asks Claude for the summaries a tenant's pending pages still lack (the cron's retry), oldest first. */
export async function summarizePending(
  env: Env,
  pagesFor: ApprovalPagesFor,
  tenant_id: string,
): Promise<SummaryResult[]> {
  if (!claudeConfigured(env)) return [];
  const summaries: SummaryResult[] = [];
  for (const id of await awaitingSummary(env.DB, tenant_id, SUMMARY_ATTEMPTS, PASS_LIMIT))
    summaries.push(await summarizeEscalation(env, pagesFor, id));
  return summaries;
}

/**
 * The user turn: the held call's facts as the approval page shows them (arguments already redacted by the
 * pipeline), redacted once more as a whole, quoted as data. Names of people stay out: Claude needs none.
 */
export async function summaryPrompt(db: D1Database, escalation: EscalationWithPage): Promise<string> {
  const facts = await pageFacts(db, escalation);
  const data = redact({
    tool: escalation.tool,
    agent: facts.agent.name,
    reason_code: escalation.reason_code,
    held_because: escalation.message,
    policy: facts.policy && { name: facts.policy.name, condition: facts.policy.condition },
    arguments: facts.arguments,
    runbook_checks: facts.runbook?.checks ?? null,
    similar_past_requests: facts.recent.map(({ status, decided_at }) => ({ status, decided_at })),
    expires_at: escalation.expires_at,
  }).value;
  return `Summarise this held tool call for the person who will approve or deny it: what the agent is trying to do, why it was held, what to check, the risk factors, and how similar past requests were decided.\n\n${quotedData("held_call", data)}`;
}

/** The summary as labelled parts, one line each, every part bounded plain text; no markdown. */
export function summaryParts(summary: EscalationSummary): SummaryPart[] {
  const sentence = (text: string) => plainText(text, LIMITS.sentence);
  const list = (items: string[]) =>
    items
      .slice(0, LIMITS.items)
      .map((item) => plainText(item, LIMITS.item))
      .filter(Boolean)
      .join("; ") || "none named";
  return [
    { label: CLAUDE_SUMMARY_LABEL, text: sentence(summary.request) },
    { label: "\nWhy it was held: ", text: sentence(summary.why_held) },
    { label: "\nCheck: ", text: list(summary.checks) },
    { label: "\nRisks: ", text: list(summary.risks) },
    { label: "\nSimilar requests: ", text: sentence(summary.precedent) },
  ];
}

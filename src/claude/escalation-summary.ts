import { isFullBlock, isFullPage, type Client } from "@notionhq/client";
import type { BlockObjectRequest } from "@notionhq/client";
import { z } from "zod";
import { TEMPLATE_SUMMARY_LABEL } from "../approvals/approval-page";
import { escalationOf, pageFacts, type EscalationRow } from "../approvals/approval-pages";
import type { Env } from "../env";
import { getConnection, notionClientFor } from "../notion/connection";
import { MAX_TEXT_OBJECT, selectOf } from "../notion/page-properties";
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

export type SummaryResult =
  | { status: "written"; page_id: string }
  | { status: "template"; failure: ClaudeFailure | "notion_failed" }
  | { status: "skipped"; reason: "no_key" | "unknown_escalation" | "no_page" | "not_pending" | "done" };

/**
 * Asks Claude to summarise a held call and puts the summary at the top of its Approvals page, in place of the
 * template's. The page exists first and keeps its template summary, marked as such, when Claude fails, times out,
 * is rate-limited or the tenant's cap is reached; a later pass asks again (at most {@link SUMMARY_ATTEMPTS} times).
 * Claude sees only redacted data, quoted as untrusted; what it writes is bounded and goes into Notion blocks.
 */
export async function summarizeEscalation(env: Env, escalation_id: string): Promise<SummaryResult> {
  if (!claudeConfigured(env)) return { status: "skipped", reason: "no_key" };
  const row = await env.DB.prepare("SELECT * FROM escalations WHERE id = ?")
    .bind(escalation_id)
    .first<Record<string, unknown>>();
  if (!row) return { status: "skipped", reason: "unknown_escalation" };
  const escalation = escalationOf(row);
  if (!escalation.notion_page_id) return { status: "skipped", reason: "no_page" };
  if (escalation.status !== "pending") return { status: "skipped", reason: "not_pending" };
  const claimed = await env.DB.prepare(
    `UPDATE escalations SET summary_attempts = summary_attempts + 1
      WHERE id = ? AND tenant_id = ? AND summary_by = 'Template' AND summary_attempts < ? RETURNING id`,
  )
    .bind(escalation.id, escalation.tenant_id, SUMMARY_ATTEMPTS)
    .first();
  if (!claimed) return { status: "skipped", reason: "done" };

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
    if (answer.failure === "capped")
      await env.DB.prepare("UPDATE escalations SET summary_attempts = ? WHERE id = ? AND tenant_id = ?")
        .bind(SUMMARY_ATTEMPTS, escalation.id, escalation.tenant_id)
        .run();
    return { status: "template", failure: answer.failure };
  }

  const connection = await getConnection(env.DB, escalation.tenant_id);
  if (!connection) return { status: "template", failure: "notion_failed" };
  try {
    const client = await notionClientFor(env, connection, { deadline_ms: 20_000 });
    // Once someone has set Decision, the summary is moot, and editing the page now would make Policy OS its last
    // editor, which the poll needs to be the person who decided.
    const page = await client.pages.retrieve({ page_id: escalation.notion_page_id });
    if (!isFullPage(page) || selectOf(page, "Decision") !== "Pending")
      return { status: "skipped", reason: "not_pending" };
    await replaceTemplateSummary(client, escalation.notion_page_id, summaryBlock(answer.value));
  } catch (error) {
    console.error(`claude summary for ${escalation.tenant_id}/${escalation.id} not written: ${String(error)}`);
    return { status: "template", failure: "notion_failed" };
  }
  await env.DB.prepare("UPDATE escalations SET summary_by = 'Claude' WHERE id = ? AND tenant_id = ?")
    .bind(escalation.id, escalation.tenant_id)
    .run();
  return { status: "written", page_id: escalation.notion_page_id };
}

/** Asks Claude for the summaries a tenant's pending pages still lack (the cron's retry), oldest first. */
export async function summarizePending(env: Env, tenant_id: string): Promise<SummaryResult[]> {
  if (!claudeConfigured(env)) return [];
  const { results } = await env.DB.prepare(
    `SELECT id FROM escalations
      WHERE tenant_id = ? AND status = 'pending' AND notion_page_id IS NOT NULL AND summary_by = 'Template'
        AND summary_attempts < ?
      ORDER BY created_at LIMIT ?`,
  )
    .bind(tenant_id, SUMMARY_ATTEMPTS, PASS_LIMIT)
    .all<{ id: string }>();
  const summaries: SummaryResult[] = [];
  for (const { id } of results) summaries.push(await summarizeEscalation(env, id));
  return summaries;
}

/**
 * The user turn: the held call's facts as the approval page shows them (arguments already redacted by the
 * pipeline), redacted once more as a whole, quoted as data. Names of people stay out: Claude needs none.
 */
export async function summaryPrompt(db: D1Database, escalation: EscalationRow): Promise<string> {
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

/** The summary as one Notion paragraph: bold labels, one line per part, every part bounded; no markdown. */
export function summaryBlock(summary: EscalationSummary): BlockObjectRequest {
  const sentence = (text: string) => plainText(text, LIMITS.sentence);
  const list = (items: string[]) =>
    items
      .slice(0, LIMITS.items)
      .map((item) => plainText(item, LIMITS.item))
      .filter(Boolean)
      .join("; ") || "none named";
  const parts: [string, string][] = [
    [CLAUDE_SUMMARY_LABEL, sentence(summary.request)],
    ["\nWhy it was held: ", sentence(summary.why_held)],
    ["\nCheck: ", list(summary.checks)],
    ["\nRisks: ", list(summary.risks)],
    ["\nSimilar requests: ", sentence(summary.precedent)],
  ];
  return {
    paragraph: {
      rich_text: parts.flatMap(([label, text]) => [
        { type: "text" as const, text: { content: label }, annotations: { bold: true } },
        { type: "text" as const, text: { content: text.slice(0, MAX_TEXT_OBJECT) } },
      ]),
    },
  };
}

/** Puts `block` where the template summary is (the page's first block), or at the end when someone moved it. */
async function replaceTemplateSummary(client: Client, page_id: string, block: BlockObjectRequest) {
  const first = (await client.blocks.children.list({ block_id: page_id, page_size: 1 })).results[0];
  const isTemplate =
    first !== undefined &&
    isFullBlock(first) &&
    first.type === "paragraph" &&
    first.paragraph.rich_text[0]?.plain_text === TEMPLATE_SUMMARY_LABEL;
  if (isTemplate && "paragraph" in block)
    await client.blocks.update({ block_id: first.id, paragraph: block.paragraph });
  else await client.blocks.children.append({ block_id: page_id, children: [block] });
}

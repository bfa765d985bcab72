import type { BlockObjectRequest, CreatePageParameters, PageObjectResponse } from "@notionhq/client";
import type { Escalation } from "../../approvals/escalations";
import { argumentsForPage } from "../../approvals/page-arguments";
import { RECENT_DECISIONS, type PageFacts } from "../../approvals/page-facts";
import { hashOf, type CallerRecord, type JsonValue } from "../../ledger";
import { MAX_TEXT_OBJECT, richText, type NotionPageProperties } from "../page-properties";
import { flatten } from "../sync/row-values";

/** The arguments code block shows at most this many characters (10 text objects), far inside Notion's limits. */
export const MAX_ARGUMENTS_TEXT = 10 * MAX_TEXT_OBJECT;
/** Notion allows 100 children per request; the body stays well below it. */
export const MAX_BODY_BLOCKS = 100;
/** A page title says what the agent wants in one line. */
export const MAX_TITLE = 200;

/** Said on every page that shows arguments (the pipeline hands pages the arguments with PII already redacted). */
export const ARGUMENTS_NOTE =
  "Personal data and secrets in the arguments are replaced by [REDACTED:…]; text values longer than 200 characters are cut, and values under credential-like keys are hidden.";

/** How the page's first block starts until a summary replaces it (`ApprovalPages.replaceSummary`). */
export const TEMPLATE_SUMMARY_LABEL = "Summary (template): ";

/** Everything an Approvals page is built from. */
export interface ApprovalPageInput extends PageFacts {
  escalation: Escalation;
  approvals_data_source_id: string;
  /** Notion people by the names approvers are given as (name, email, or an email's unique local part). */
  people: ReadonlyMap<string, string>;
}

/** The page title: what the agent wants, in plain words, at most {@link MAX_TITLE} characters. */
export function approvalTitle(agent_name: string, escalation: Pick<Escalation, "tool" | "reason_code">): string {
  const title = `${agent_name} wants to run ${escalation.tool} (${escalation.reason_code})`;
  return title.length <= MAX_TITLE ? title : `${title.slice(0, MAX_TITLE - 1)}…`;
}

/** The URL of a Notion page by id. */
export const notionPageUrl = (page_id: string) => `https://www.notion.so/${page_id.replaceAll("-", "")}`;

/**
 * The `pages.create` parameters of an escalation's Approvals page: Decision Pending, the call's facts as
 * properties, approvers resolved to Notion people (the ones that are not are named in the body, never guessed),
 * and a body with a summary, the arguments, why the call was held, the runbook and recent decisions. Every text
 * object, rich-text array and the body stay inside Notion's limits whatever the input.
 */
export function approvalPage(input: ApprovalPageInput): CreatePageParameters {
  const { escalation } = input;
  const people: string[] = [];
  const unresolved: string[] = [];
  for (const approver of escalation.approvers) {
    const id = input.people.get(approver);
    if (id && !people.includes(id)) people.push(id);
    else if (!id) unresolved.push(approver);
  }
  const properties: NotionPageProperties = {
    Request: { title: bounded(approvalTitle(input.agent.name, escalation), MAX_TITLE) },
    Decision: { select: { name: "Pending" } },
    Tool: { rich_text: bounded(escalation.tool) },
    "Reason code": { rich_text: bounded(escalation.reason_code) },
    "Escalation ID": { rich_text: bounded(escalation.id) },
    "Args hash": { rich_text: bounded(escalation.args_hash) },
    "Requested at": { date: { start: escalation.created_at } },
    Expires: { date: { start: escalation.expires_at } },
    Approvers: { people: people.slice(0, 100).map((id) => ({ id })) },
  };
  if (input.policy?.page_id) properties.Policy = { relation: [{ id: input.policy.page_id }] };
  if (input.agent.page_id) properties.Agent = { relation: [{ id: input.agent.page_id }] };
  return {
    parent: { type: "data_source_id", data_source_id: input.approvals_data_source_id },
    properties,
    children: body(input, unresolved).slice(0, MAX_BODY_BLOCKS),
  };
}

function body(input: ApprovalPageInput, unresolved: readonly string[]): BlockObjectRequest[] {
  const { escalation, policy, runbook } = input;
  const blocks: BlockObjectRequest[] = [
    {
      paragraph: {
        rich_text: [
          { type: "text", text: { content: TEMPLATE_SUMMARY_LABEL }, annotations: { bold: true } },
          ...bounded(summary(input), 4 * MAX_TEXT_OBJECT),
        ],
      },
    },
  ];
  if (unresolved.length > 0)
    blocks.push(
      paragraph(
        `Approvers not found in this Notion workspace: ${unresolved.join(", ")}. Invite them, or name people who are in the policy's Approvers.`,
      ),
    );

  blocks.push(heading("Who is asking"));
  blocks.push(paragraph(callerSentence(escalation)));

  blocks.push(heading("Arguments"));
  if (input.arguments === null)
    blocks.push(
      paragraph(
        `The arguments were not recorded with this escalation; an approval covers exactly the arguments with hash ${escalation.args_hash}.`,
      ),
    );
  else {
    blocks.push(paragraph(ARGUMENTS_NOTE));
    blocks.push({
      code: { language: "json", rich_text: bounded(argumentsText(input.arguments), MAX_ARGUMENTS_TEXT) },
    });
  }

  blocks.push(heading("Why it was held"));
  if (policy) {
    blocks.push(paragraph(`${policy.name} (${policy.id}) held the call: ${escalation.message}`));
    blocks.push(
      policy.condition
        ? { code: { language: "plain text", rich_text: bounded(policy.condition, 2 * MAX_TEXT_OBJECT) } }
        : paragraph("The policy has no condition: it holds every call it applies to."),
    );
  } else
    blocks.push(
      paragraph(
        `No policy row held it: the workspace's default posture did (${escalation.reason_code}). ${escalation.message}`,
      ),
    );

  blocks.push(heading("Runbook"));
  if (runbook) {
    blocks.push({
      paragraph: {
        rich_text: [
          { type: "text", text: { content: "Check before deciding: " } },
          {
            type: "text",
            text: { content: clip(runbook.name, MAX_TEXT_OBJECT / 2), link: { url: notionPageUrl(runbook.page_id) } },
          },
        ],
      },
    });
    const checks = runbook.checks
      .split("\n")
      .map((line) => line.trim())
      .filter(Boolean);
    for (const check of checks.slice(0, 20)) blocks.push(bullet(check));
    if (checks.length > 20) blocks.push(paragraph(`… and ${checks.length - 20} more checks on the runbook's page.`));
  } else blocks.push(paragraph(`No Active runbook covers ${escalation.tool}.`));

  blocks.push(heading("Recent similar decisions"));
  if (input.recent.length === 0) blocks.push(paragraph(`No earlier decisions on ${escalation.tool}.`));
  for (const decision of input.recent.slice(0, RECENT_DECISIONS))
    blocks.push(
      bullet(
        `${decision.tool}: ${capitalized(decision.status)} by ${decision.decided_by ?? "nobody recorded"} at ${decision.decided_at ?? "an unknown time"}`,
      ),
    );
  return blocks;
}

function summary({ escalation, agent, policy }: ApprovalPageInput): string {
  const forWhom = escalation.requested_for ? ` for ${escalation.requested_for}` : "";
  const why = policy ? `the policy "${policy.name}" holds it` : "the workspace's default posture holds it";
  return (
    `${agent.name} asks to run ${escalation.tool}${forWhom}; ${why} (${escalation.reason_code}). ` +
    `Set Decision to Approved or Denied before ${escalation.expires_at}; the agent's retry with the same arguments then runs once, or is refused.`
  );
}

const VERIFIED_BY: Record<CallerRecord["person_verified_by"], string> = {
  token: "the OAuth token's subject",
  acts_for: "the agent's Acts for",
  owner: "the agent's owner (the call named nobody else)",
  none: "nobody: the agent has no owner and the call named nobody",
};

/** What the page says about which facts of the held call were verified, and how. */
export function callerSentence(escalation: Pick<Escalation, "caller" | "requested_for">): string {
  const caller = escalation.caller;
  if (!caller)
    return "This request was held before Policy OS verified callers' facts: whom it is for was taken as the agent said.";
  const proof = caller.via === "token" ? "a verified OAuth access token" : "its API key";
  const person = caller.person ?? "nobody";
  const workspace = caller.workspace ? `workspace ${caller.workspace} (in the agent's Workspaces)` : "no workspace";
  const run = caller.run === "minted" ? "a run Policy OS minted for it" : "no run";
  return (
    `The agent proved itself with ${proof}. It acts for ${person}, verified by ${VERIFIED_BY[caller.person_verified_by]}; ` +
    `it named ${workspace} and ${run}. ${person === "nobody" ? "" : `${person} cannot decide this request.`}`
  ).trim();
}

function argumentsText(args: JsonValue): string {
  const text = JSON.stringify(argumentsForPage(args), null, 2);
  if (text.length <= MAX_ARGUMENTS_TEXT) return text;
  const note = `\n… (${text.length} characters in all; the rest is not shown)`;
  return text.slice(0, MAX_ARGUMENTS_TEXT - note.length) + note;
}

/** Rich text for `text` cut to `max` characters, split into text objects Notion accepts. */
function bounded(text: string, max = MAX_TEXT_OBJECT) {
  return richText(clip(text, max));
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const heading = (text: string): BlockObjectRequest => ({ heading_2: { rich_text: bounded(text) } });
const paragraph = (text: string): BlockObjectRequest => ({
  paragraph: { rich_text: bounded(text, 2 * MAX_TEXT_OBJECT) },
});
const bullet = (text: string): BlockObjectRequest => ({ bulleted_list_item: { rich_text: bounded(text) } });
const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * What a page shows besides its Decision, as a hash: when it is the same as after Policy OS last wrote the page,
 * nobody has edited anything on the page but its Decision since.
 */
export function pageFingerprint(page: PageObjectResponse): Promise<string> {
  const shown: Record<string, JsonValue> = {};
  for (const [name, value] of Object.entries(page.properties)) {
    if (name === "Decision") continue;
    const flat = flatten(value);
    if (flat === undefined) continue;
    shown[name] = Array.isArray(flat) ? flat.map((item) => (typeof item === "string" ? item : item.id)) : flat;
  }
  return hashOf(shown);
}

import type { BlockObjectRequest, CreatePageParameters } from "@notionhq/client";
import { budgetAmount } from "../../budgets";
import { MAX_TEXT_OBJECT, richText, type NotionPageProperties } from "../page-properties";
import type { DigestFigures } from "../../digest/figures";
import type { DigestNarrative } from "../../digest/template";

/** Notion takes at most 100 children per request; a digest's body is written in one. */
export const MAX_DIGEST_BLOCKS = 100;
/** How many narrative paragraphs the page shows. */
export const MAX_NARRATIVE_PARAGRAPHS = 10;
/** A narrative paragraph is cut to one text object. */
export const MAX_NARRATIVE_TEXT = MAX_TEXT_OBJECT;
/** A heading or list item is cut to this many characters. */
export const MAX_LINE = 500;
/** How many items a list of figures shows (unless a section says otherwise) before saying how many more there are. */
export const MAX_LIST_ITEMS = 8;

/**
 * The title of a week's digest page, which is also how a page whose create went unanswered is found again.
 *
 * @example digestTitle("2026-11-16") // "Week of 2026-11-16"
 */
export function digestTitle(week_start: string): string {
  return `Week of ${week_start}`;
}

/**
 * The page's properties (notion-templates/digests.json): its Week title, Tenant, Period (Monday to Sunday), the
 * headline numbers, the ledger checkpoint and who wrote the narrative.
 */
export function digestProperties(
  figures: DigestFigures,
  written_by: DigestNarrative["written_by"],
): NotionPageProperties {
  const lastDay = new Date(new Date(figures.period.to).getTime() - 24 * 3600_000).toISOString().slice(0, 10);
  return {
    Week: { title: richText(digestTitle(figures.week_start)) },
    Tenant: { rich_text: richText(clip(figures.tenant_id, MAX_LINE)) },
    Period: { date: { start: figures.week_start, end: lastDay } },
    Calls: { number: figures.calls.total },
    Denied: { number: figures.calls.by_decision.denied ?? 0 },
    Held: { number: figures.approvals.held },
    Approved: { number: figures.approvals.approved },
    Expired: { number: figures.approvals.expired },
    "Median minutes to decision": { number: figures.approvals.median_minutes_to_decision },
    "Ledger seq": { number: figures.ledger.seq },
    "Ledger head": { rich_text: richText(figures.ledger.hash) },
    "Written by": { select: { name: written_by } },
  };
}

/**
 * The page's body: the narrative first, labelled as Claude's or the template's, then the figures Policy OS computed,
 * a heading and a list per section. Only paragraph, heading_2, bulleted_list_item and divider blocks, plain text,
 * every text object within 2,000 characters and at most {@link MAX_DIGEST_BLOCKS} blocks, whatever the input.
 */
export function digestBlocks(figures: DigestFigures, narrative: DigestNarrative): BlockObjectRequest[] {
  const label = narrative.written_by === "Claude" ? "Narrative (Claude): " : "Narrative (template): ";
  const [first = "", ...rest] = narrative.paragraphs.slice(0, MAX_NARRATIVE_PARAGRAPHS);
  const narrativeBlocks: BlockObjectRequest[] = [
    {
      paragraph: {
        rich_text: [
          { type: "text", text: { content: label }, annotations: { bold: true } },
          ...richText(clip(first, MAX_NARRATIVE_TEXT - label.length)),
        ],
      },
    },
    ...rest.map((text) => ({ paragraph: { rich_text: richText(clip(text, MAX_NARRATIVE_TEXT)) } })),
  ];
  const writer = narrative.written_by === "Claude" ? "Claude" : "a template";
  const figureBlocks: BlockObjectRequest[] = [
    { divider: {} },
    paragraph(
      `The figures below are computed by Policy OS from the audit log and the ledger; the narrative above was written by ${writer} around them and cannot change them.`,
    ),
    ...sections(figures).flatMap(([title, lines]) => [heading(title), ...lines.map(bullet)]),
    // The note exactly as signed, one paragraph with its line breaks, so it can be copied out and checked.
    ...(figures.ledger.signed_checkpoint === null ? [] : [paragraph(figures.ledger.signed_checkpoint)]),
  ];
  // Sections are bounded, the narrative too; this only guards the page against a future section that is not.
  const room = MAX_DIGEST_BLOCKS - narrativeBlocks.length;
  if (figureBlocks.length <= room) return [...narrativeBlocks, ...figureBlocks];
  return [
    ...narrativeBlocks,
    ...figureBlocks.slice(0, room - 1),
    paragraph(`… ${figureBlocks.length - room + 1} more lines of figures are left out (Notion's limit of 100 blocks).`),
  ];
}

/** The parameters that create a week's page in the Digests data source, body included. */
export function digestPage(
  figures: DigestFigures,
  narrative: DigestNarrative,
  digests_data_source_id: string,
): CreatePageParameters {
  return {
    parent: { type: "data_source_id", data_source_id: digests_data_source_id },
    properties: digestProperties(figures, narrative.written_by),
    children: digestBlocks(figures, narrative),
  };
}

/** Each section of figures: its heading and its list items. */
function sections(f: DigestFigures): [string, string[]][] {
  const { approvals, changes } = f;
  const median = approvals.median_minutes_to_decision;
  return [
    [
      "Calls",
      [
        `Total: ${f.calls.total}`,
        ...listed(
          Object.entries(f.calls.by_decision).map(([decision, n]) => `${capitalized(decision)}: ${n}`),
          "No decisions.",
          6,
        ),
        `By outcome: ${Object.entries(f.calls.by_outcome)
          .map(([outcome, n]) => `${outcome.replaceAll("_", " ")} ${n}`)
          .join(", ")}`,
        ...(f.complete ? [] : [`The week is still running: figures as of ${f.computed_at}.`]),
      ],
    ],
    // The top ten and "other".
    [
      "Reason codes",
      listed(
        f.calls.by_reason_code.map((r) => `${r.reason_code}: ${r.calls}`),
        "No calls.",
        11,
      ),
    ],
    [
      "Busiest tools",
      listed(
        f.busiest_tools.map((t) => `${t.tool}: ${plural(t.calls, "call")}, ${t.denied} denied`),
        "No calls.",
      ),
    ],
    [
      "Approvals",
      [
        `Held for approval: ${approvals.held}`,
        `Approved: ${approvals.approved}`,
        `Denied: ${approvals.denied}`,
        `Expired: ${approvals.expired}`,
        `Still pending: ${approvals.pending}`,
        ...(approvals.cancelled > 0 ? [`Cancelled: ${approvals.cancelled}`] : []),
        `Median time to decision: ${median === null ? "none decided" : plural(median, "minute")}`,
      ],
    ],
    [
      "Break-glass decisions (taken while Notion was unreachable)",
      [
        `Taken this week: ${f.break_glass.count}`,
        ...listed(
          f.break_glass.decisions.map(
            (d) =>
              `${d.decided_at}: ${d.decided_by} ${d.decision} ${d.tool} for ${d.agent_id} (${d.escalation_id}). Reason: ${d.reason}`,
          ),
          "None: every decision was taken in Notion.",
          10,
        ),
      ],
    ],
    [
      "Spend",
      [
        `Cost of the week's calls: ${budgetAmount(f.spend.cost_cents, "usd_cents")}`,
        ...(f.spend.caps_unavailable !== null
          ? [`Caps unavailable: the budget book could not be read (${f.spend.caps_unavailable}).`]
          : listed(
              f.spend.caps.map(
                (cap) =>
                  `${cap.policy_id} (${cap.scope} ${cap.subject}, ${cap.window} window, period ${cap.period}): ` +
                  `${budgetAmount(cap.spent, cap.unit)} of ${budgetAmount(cap.limit, cap.unit)} spent` +
                  (cap.reserved > 0 ? `, ${budgetAmount(cap.reserved, cap.unit)} held` : ""),
              ),
              "No spend caps.",
              10,
            )),
        ...(f.spend.caps.length > 0 ? ["Caps show their current periods, when this page was written."] : []),
      ],
    ],
    ["Incidents", [`Opened: ${f.incidents.opened}`, `Resolved: ${f.incidents.resolved}`]],
    [
      "Shadow policies (what they would have done)",
      listed(
        f.shadow.map(
          (s) =>
            `${s.policy_name} (${s.policy_id}): ${plural(s.calls, "call")}; ` +
            Object.entries(s.by_would)
              .map(([would, n]) => `would ${would} ${n}`)
              .join(", "),
        ),
        "No Shadow policy matched a call.",
        10,
      ),
    ],
    [
      "Agents with the most denials",
      listed(
        f.top_denied_agents.map(
          (a) => `${a.name}${a.name === a.agent_id ? "" : ` (${a.agent_id})`}: ${a.denied} denied`,
        ),
        "No call was denied.",
      ),
    ],
    [
      `Against the week of ${changes.previous_week_start}`,
      (["calls", "denied", "held", "approved", "expired"] as const).map(
        (key) =>
          `${capitalized(key)}: ${changes.previous[key]} → ${changes.previous[key] + changes.difference[key]} (${signed(changes.difference[key])})`,
      ),
    ],
    [
      "Ledger checkpoint",
      [
        ...(f.ledger.seq === 0
          ? [`No ledger entry before ${f.ledger.before}.`]
          : [
              `Sequence number: ${f.ledger.seq}`,
              `Head hash: ${f.ledger.hash}`,
              `Last entry stamped at ${f.ledger.at ?? "an unknown time"}, before ${f.ledger.before}`,
            ]),
        f.ledger.signed_checkpoint === null
          ? "No signed checkpoint: the deployment has no ledger signing key."
          : `Signed checkpoint of the Merkle tree of these ${f.ledger.seq} entries, below: check it with the deployment's verifier key (GET /admin/ledger/key).`,
      ],
    ],
  ];
}

/** At most `max` lines, the last saying how many were left out; `none` when there are none. */
function listed(lines: string[], none: string, max = MAX_LIST_ITEMS): string[] {
  if (lines.length === 0) return [none];
  if (lines.length <= max) return lines;
  return [...lines.slice(0, max - 1), `… and ${lines.length - max + 1} more`];
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const heading = (text: string): BlockObjectRequest => ({ heading_2: { rich_text: richText(clip(text, MAX_LINE)) } });
const bullet = (text: string): BlockObjectRequest => ({
  bulleted_list_item: { rich_text: richText(clip(text, MAX_LINE)) },
});
const paragraph = (text: string): BlockObjectRequest => ({
  paragraph: { rich_text: richText(clip(text, MAX_TEXT_OBJECT)) },
});
const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
const plural = (n: number, one: string) => `${n.toLocaleString("en-US")} ${n === 1 ? one : `${one}s`}`;

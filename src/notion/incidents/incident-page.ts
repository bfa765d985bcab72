import type { BlockObjectRequest, CreatePageParameters } from "@notionhq/client";
import type { IncidentPageView } from "../../incidents/ports";
import type { Figure, IncidentKind } from "../../incidents/types";
import { MAX_TEXT_OBJECT, richText, type NotionPageProperties } from "../page-properties";

/** How Claude's summary is labelled on an incident page. */
export const INCIDENT_SUMMARY_LABEL = "Summary (Claude): ";
/** A line of the page is cut to this many characters. */
const MAX_LINE = 500;

/** The Kind select's option for each kind (notion-templates/incidents.json). */
export const KIND_NAMES: Record<IncidentKind, string> = {
  host_failing: "Host failing",
  denial_spike: "Denial spike",
  hold_spike: "Hold spike",
  budget_exhausted: "Budget exhausted",
  ledger_unverified: "Ledger unverified",
  notion_sync_failing: "Notion sync failing",
};

/** The page's properties (notion-templates/incidents.json): what, since when, affected, figures, runbook, status. */
export function incidentProperties({ incident, runbook }: IncidentPageView): NotionPageProperties {
  return {
    Incident: { title: richText(clip(incident.title, MAX_LINE)) },
    "Incident ID": { rich_text: richText(incident.id) },
    Status: { select: { name: incident.status === "open" ? "Open" : "Resolved" } },
    Kind: { select: { name: KIND_NAMES[incident.kind] } },
    Cause: { rich_text: richText(clip(incident.cause, MAX_LINE)) },
    Since: { date: { start: incident.opened_at } },
    "Last seen": { date: { start: incident.last_seen_at } },
    "Resolved at": { date: incident.resolved_at ? { start: incident.resolved_at } : null },
    Tools: { rich_text: richText(clip(incident.tools.join(", "), MAX_LINE)) },
    Agents: { rich_text: richText(clip(incident.agents.join(", "), MAX_LINE)) },
    Figures: { rich_text: richText(clip(figureLines(incident.figures).join("\n"), MAX_TEXT_OBJECT)) },
    Runbook: { relation: runbook ? [{ id: runbook.page_id }] : [] },
    "Summary by": { select: { name: incident.summary_by === "Claude" ? "Claude" : "None" } },
  };
}

/**
 * The page's body: Claude's summary first, labelled, when there is one; then the figures Policy OS computed and
 * the runbook to follow. Plain text only, every text object within Notion's limit.
 */
export function incidentBlocks({ incident, runbook }: IncidentPageView): BlockObjectRequest[] {
  const summary: BlockObjectRequest[] =
    incident.summary === null
      ? []
      : [
          {
            paragraph: {
              rich_text: [
                { type: "text", text: { content: INCIDENT_SUMMARY_LABEL }, annotations: { bold: true } },
                ...richText(clip(incident.summary, MAX_TEXT_OBJECT - INCIDENT_SUMMARY_LABEL.length)),
              ],
            },
          },
          { divider: {} },
        ];
  const state =
    incident.status === "open"
      ? incident.clear_since
        ? `Open since ${incident.opened_at}; clear since ${incident.clear_since}.`
        : `Open since ${incident.opened_at}; last seen ${incident.last_seen_at}.`
      : `Resolved at ${incident.resolved_at}, opened ${incident.opened_at}.`;
  return [
    ...summary,
    paragraph(state),
    paragraph(
      incident.summary === null
        ? "The figures below are computed by Policy OS."
        : "The figures below are computed by Policy OS; the summary above was written by Claude around them and cannot change them.",
    ),
    heading("Figures"),
    ...figureLines(incident.figures).map(bullet),
    heading("Affected"),
    bullet(`Tools: ${incident.tools.join(", ") || "none named"}`),
    bullet(`Agents: ${incident.agents.join(", ") || "none named"}`),
    heading("Runbook"),
    paragraph(
      runbook
        ? `Follow "${runbook.name}" (linked in the Runbook property): its Recovery, Operator lanes and Rollback sections.`
        : "No Active runbook covers the affected tools.",
    ),
  ];
}

/** The parameters that create an incident's page in the Incidents data source, body included. */
export function incidentPage(view: IncidentPageView, data_source_id: string): CreatePageParameters {
  return {
    parent: { type: "data_source_id", data_source_id },
    properties: incidentProperties(view),
    children: incidentBlocks(view),
  };
}

function figureLines(figures: Record<string, Figure>): string[] {
  return Object.entries(figures).map(([name, value]) =>
    clip(`${name.replaceAll("_", " ")}: ${value ?? "none"}`, MAX_LINE),
  );
}

const paragraph = (text: string): BlockObjectRequest => ({ paragraph: { rich_text: richText(clip(text, MAX_LINE)) } });
const heading = (text: string): BlockObjectRequest => ({ heading_2: { rich_text: richText(text) } });
const bullet = (text: string): BlockObjectRequest => ({
  bulleted_list_item: { rich_text: richText(clip(text, MAX_LINE)) },
});

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

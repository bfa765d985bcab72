import type { NotificationEvent } from "../notifications/notify";
import type { Incident } from "./types";

/** Notion's address of a page, for links in notifications. */
export function notionPageUrl(page_id: string): string {
  return `https://www.notion.so/${page_id.replaceAll("-", "")}`;
}

/**
 * The notification of an incident's opening or resolution. Its event id is stable per incident and transition
 * (`incident_opened:<id>`), so a receiver takes it at most once; its text is built from the figures in code.
 */
export function incidentEvent(incident: Incident, transition: "opened" | "resolved"): NotificationEvent {
  const facts: NotificationEvent["facts"] = {
    incident_id: incident.id,
    cause: incident.cause,
    kind: incident.kind,
    opened_at: incident.opened_at,
  };
  if (incident.resolved_at) facts.resolved_at = incident.resolved_at;
  for (const [name, value] of Object.entries(incident.figures)) if (value !== null) facts[name] = value;
  const affected = [
    incident.tools.length > 0 ? `Tools: ${incident.tools.join(", ")}.` : "",
    incident.agents.length > 0 ? `Agents: ${incident.agents.join(", ")}.` : "",
  ].filter(Boolean);
  const summary =
    transition === "opened"
      ? [`Open since ${incident.opened_at}.`, ...affected].join(" ")
      : `Clear since ${incident.clear_since ?? incident.resolved_at}; resolved at ${incident.resolved_at}.`;
  return {
    tenant_id: incident.tenant_id,
    event_id: `incident_${transition}:${incident.id}`,
    kind: transition === "opened" ? "incident_opened" : "incident_resolved",
    title: transition === "opened" ? `Incident: ${incident.title}` : `Resolved: ${incident.title}`,
    summary,
    facts,
    ...(incident.notion_page_id
      ? { url: notionPageUrl(incident.notion_page_id), notion_page_id: incident.notion_page_id }
      : {}),
  };
}

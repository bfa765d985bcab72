/** The incident's domain values: what the cron found (a condition) and what it keeps of it (an incident). */

/** What kind of trouble a condition is; one detector per kind (src/incidents/conditions/). */
export const INCIDENT_KINDS = [
  "host_failing",
  "denial_spike",
  "hold_spike",
  "budget_exhausted",
  "ledger_unverified",
  "notion_sync_failing",
] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** A figure as code computed it; Claude may word these, never change them. */
export type Figure = string | number | boolean | null;

/**
 * One condition that holds now. `cause` is stable for as long as the same trouble lasts (`host:<id>`,
 * `denials:<tool>`, `holds:<tool>`, `budget:<key>`, `ledger`, `notion_sync:<source>`): an incident per cause.
 */
export interface Condition {
  cause: string;
  kind: IncidentKind;
  /** One line, no personal data: what is wrong. */
  title: string;
  tools: string[];
  agents: string[];
  figures: Record<string, Figure>;
}

/** What the detectors of one tick found, and which kinds they checked (an unchecked kind neither opens nor clears). */
export interface Findings {
  conditions: Condition[];
  checked: ReadonlySet<IncidentKind>;
}

/** An incident as D1 keeps it (and the admin API shows it). */
export interface Incident {
  id: string;
  tenant_id: string;
  cause: string;
  kind: IncidentKind;
  status: "open" | "resolved";
  title: string;
  tools: string[];
  agents: string[];
  figures: Record<string, Figure>;
  opened_at: string;
  last_seen_at: string;
  /** When the condition was first seen clear; null while it holds. */
  clear_since: string | null;
  resolved_at: string | null;
  runbook_page_id: string | null;
  notion_page_id: string | null;
  /** Claude's wording of the figures, or null (no key, Claude failed): the page then shows the figures alone. */
  summary: string | null;
  summary_by: "Claude" | null;
}

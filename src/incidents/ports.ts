/**
 * What the incident loop needs from outside its domain, as narrow ports built at a composition point
 * (src/wiring/incidents.ts): the Incidents pages in Notion, Claude's wording, and the notification channels.
 */
import type { BudgetStatus } from "../budgets";
import type { HealthFigures } from "../hosts/health/circuit";
import type { LedgerVerification } from "../ledger";
import type { NotificationEvent } from "../notifications/notify";
import type { Incident } from "./types";

/** Hands a notification to the channels (enqueues; never throws to the caller): `notify` with its env bound. */
export type Notify = (event: NotificationEvent) => Promise<void>;

/** The runbook an incident links: the Runbooks row for its affected tool. */
export interface IncidentRunbook {
  page_id: string;
  name: string;
}

/** What an incident's page shows: the incident and its runbook. */
export interface IncidentPageView {
  incident: Incident;
  runbook: IncidentRunbook | null;
}

/** One tenant's Incidents database, opened. Each method may throw for Notion's faults; the tick retries later. */
export interface IncidentPageStore {
  /** The incident's page that an earlier create whose answer was lost made, found by its Incident ID; else null. */
  find(incident_id: string): Promise<string | null>;
  /** Creates the incident's page, body included, and returns its id. */
  create(view: IncidentPageView): Promise<string>;
  /** Rewrites the page's properties and body; false when the page is gone (deleted or in the trash). */
  rewrite(page_id: string, view: IncidentPageView): Promise<boolean>;
}

/**
 * Where a tenant's incident pages go: null when it has nowhere (no Notion connection, or no Incidents database in
 * it), else a function that opens the database and throws when it cannot (a missing token).
 */
export type IncidentPages = (tenant_id: string) => Promise<(() => Promise<IncidentPageStore>) | null>;

/** Words the incident's figures for people (Claude in the Worker); null when it could not. Never throws. */
export type IncidentNarrator = (incident: Incident) => Promise<string | null>;

/** What the incident loop reaches outside its domain. `notify` has no default: production wiring must pass one. */
export interface IncidentPorts {
  pages: IncidentPages;
  narrate: IncidentNarrator;
  notify: Notify;
}

/** What the detectors read besides D1: the tenant's Durable Objects. Each may throw; its kind is then unchecked. */
export interface IncidentSignals {
  /** Every host of the tenant with its health figures (HostHealthDO's view). */
  hosts(tenant_id: string): Promise<{ host_id: string; figures: HealthFigures }[]>;
  /** Every cap's counter in its current period (the budget book). */
  budgets(tenant_id: string): Promise<BudgetStatus[]>;
  /** Recomputes the ledger's chain (slow: the tick runs it only every `ledger_verify_minutes`). */
  verifyLedger(tenant_id: string): Promise<LedgerVerification>;
}

/** Everything one tick needs, built once per cron run. */
export interface IncidentDeps {
  db: D1Database;
  signals: IncidentSignals;
  ports: IncidentPorts;
  /** A new incident id. */
  newId: () => string;
}

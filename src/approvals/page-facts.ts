import { z } from "zod";
import { pageFactRows } from "../db/approval-pages";
import type { JsonValue } from "../ledger/canonical";
import { matchesGlob } from "../policy";
import type { Escalation, EscalationWithPage } from "./escalations";

/** How many recent decisions on the same tool a page lists. */
export const RECENT_DECISIONS = 5;

/** The policy that held the call, as the snapshot that decided it holds it. */
export interface HoldingPolicy {
  id: string;
  name: string;
  condition: string;
  /** Its row in the Policies database, when the sync has it. */
  page_id: string | null;
}

/** An Active runbook for the tool. */
export interface LinkedRunbook {
  name: string;
  checks: string;
  page_id: string;
}

/** A decided escalation on the same tool. */
export interface RecentDecision {
  tool: string;
  status: Escalation["status"];
  decided_by: string | null;
  decided_at: string | null;
}

/** What an Approvals page says besides the escalation itself. */
export interface PageFacts {
  /** The arguments as stored with the escalation (see `argumentsForPage`), or null when none were recorded. */
  arguments: JsonValue | null;
  agent: { name: string; page_id: string | null };
  policy: HoldingPolicy | null;
  runbook: LinkedRunbook | null;
  recent: readonly RecentDecision[];
}

const strings = z.array(z.string());

/** What the page says besides the escalation itself, all read from this tenant's rows in D1. */
export async function pageFacts(db: D1Database, escalation: EscalationWithPage): Promise<PageFacts> {
  const policy_id = escalation.policy_ids[0] ?? null;
  const rows = await pageFactRows(db, escalation, policy_id, RECENT_DECISIONS);
  return {
    arguments: escalation.arguments === null ? null : (JSON.parse(escalation.arguments) as JsonValue),
    agent: {
      name: String(rows.agent?.name ?? escalation.agent_id),
      page_id: (rows.agent_page?.page_id as string | undefined) ?? null,
    },
    policy: holdingPolicy(policy_id, rows.snapshot?.rows, rows.policy_row),
    runbook: runbookFor(escalation.tool, rows.linked_runbook, rows.active_runbooks),
    recent: rows.recent as unknown as RecentDecision[],
  };
}

/** The policy as the snapshot that held the call has it (else as synced now), linked to its row when synced. */
function holdingPolicy(
  policy_id: string | null,
  snapshotRows: unknown,
  synced: Record<string, unknown> | undefined,
): HoldingPolicy | null {
  if (!policy_id) return null;
  const rows = typeof snapshotRows === "string" ? (JSON.parse(snapshotRows) as unknown[]) : [];
  const row =
    (rows.find((r) => (r as Record<string, unknown>)?.["Policy ID"] === policy_id) as
      Record<string, unknown> | undefined) ??
    (synced?.value ? (JSON.parse(String(synced.value)) as Record<string, unknown>) : {});
  const text = (value: unknown) => (typeof value === "string" ? value : "");
  return {
    id: policy_id,
    name: text(row.Name) || policy_id,
    condition: text(row.Condition),
    page_id: (synced?.page_id as string | undefined) ?? null,
  };
}

/** The runbook the tool's row links when Active, else the first Active runbook whose tool patterns match. */
export function runbookFor(
  tool: string,
  linked: Record<string, unknown> | undefined,
  active: readonly Record<string, unknown>[],
): LinkedRunbook | null {
  const chosen =
    linked ??
    active.find((runbook) =>
      strings.parse(JSON.parse(String(runbook.tools))).some((pattern) => matchesGlob(pattern, tool)),
    );
  return chosen ? { page_id: String(chosen.page_id), name: String(chosen.name), checks: String(chosen.checks) } : null;
}

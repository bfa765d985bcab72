/**
 * The named D1 statements that keep an escalation's Approvals page in step with it: claiming a page write,
 * remembering the page and what it shows, the reads a page is built from, reminders and Claude's summary.
 */
import type { StoredRow } from "./escalations";

/** The escalation a statement is about, scoped to its tenant. */
interface Scoped {
  id: string;
  tenant_id: string;
}

/** A tenant's pending, unexpired escalations without a page, oldest first. */
export async function pendingWithoutPage(
  db: D1Database,
  tenant_id: string,
  now: string,
  limit: number,
): Promise<StoredRow[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM escalations WHERE tenant_id = ? AND status = 'pending' AND notion_page_id IS NULL AND expires_at > ?
        ORDER BY created_at, id LIMIT ?`,
    )
    .bind(tenant_id, now, limit)
    .all<StoredRow>();
  return results;
}

/** Stores the arguments a page shows, unless some are stored already. */
export async function storePageArguments(db: D1Database, escalation: Scoped, json: string): Promise<void> {
  await db
    .prepare("UPDATE escalations SET arguments = ? WHERE id = ? AND tenant_id = ? AND arguments IS NULL")
    .bind(json, escalation.id, escalation.tenant_id)
    .run();
}

/**
 * Claims writing an escalation's page until `until`, when it has no page and nobody holds the claim at `now`.
 * Returns when a create was last sent (null: never), or null when the claim was not had.
 */
export function claimPageWrite(
  db: D1Database,
  escalation: Scoped,
  times: { until: string; now: string },
): Promise<{ notion_page_attempted_at: string | null } | null> {
  return db
    .prepare(
      `UPDATE escalations SET notion_page_claimed_until = ?1
        WHERE id = ?2 AND tenant_id = ?3 AND notion_page_id IS NULL
          AND (notion_page_claimed_until IS NULL OR notion_page_claimed_until <= ?4)
        RETURNING notion_page_attempted_at`,
    )
    .bind(times.until, escalation.id, escalation.tenant_id, times.now)
    .first<{ notion_page_attempted_at: string | null }>();
}

/** Records that a create of the escalation's page is being sent. */
export async function markPageAttempted(db: D1Database, escalation: Scoped, now: string): Promise<void> {
  await db
    .prepare("UPDATE escalations SET notion_page_attempted_at = ? WHERE id = ? AND tenant_id = ?")
    .bind(now, escalation.id, escalation.tenant_id)
    .run();
}

/** Gives up the claim on writing the escalation's page, so the next pass may try. */
export async function releasePageClaim(db: D1Database, escalation: Scoped): Promise<void> {
  await db
    .prepare("UPDATE escalations SET notion_page_claimed_until = NULL WHERE id = ? AND tenant_id = ?")
    .bind(escalation.id, escalation.tenant_id)
    .run();
}

/** Records the escalation's page, with the template summary it was created with. */
export async function recordPage(
  db: D1Database,
  escalation: Scoped,
  page: { page_id: string; fingerprint: string },
): Promise<void> {
  await db
    .prepare(
      `UPDATE escalations SET notion_page_id = ?, page_fingerprint = ?, notion_page_claimed_until = NULL,
             summary_by = 'Template'
        WHERE id = ? AND tenant_id = ?`,
    )
    .bind(page.page_id, page.fingerprint, escalation.id, escalation.tenant_id)
    .run();
}

/** Remembers the Decision written to the page for `status`, unless the escalation's status changed since. */
export async function recordPageDecision(
  db: D1Database,
  escalation: { id: string; status: string },
  shown: { decision: string; fingerprint: string | null },
): Promise<void> {
  await db
    .prepare("UPDATE escalations SET page_decision = ?, page_fingerprint = ? WHERE id = ? AND status = ?")
    .bind(shown.decision, shown.fingerprint, escalation.id, escalation.status)
    .run();
}

/** Remembers that the escalation's page was told its decision was taken by break-glass. */
export async function markBreakGlassShown(db: D1Database, escalation: Scoped, now: string): Promise<void> {
  await db
    .prepare("UPDATE escalations SET break_glass_shown_at = ? WHERE id = ? AND tenant_id = ?")
    .bind(now, escalation.id, escalation.tenant_id)
    .run();
}

/** Remembers that the page's Decision went back to Pending, while the escalation is pending. */
export async function recordPageReverted(db: D1Database, id: string, fingerprint: string | null): Promise<void> {
  await db
    .prepare(
      "UPDATE escalations SET page_decision = 'pending', page_fingerprint = ? WHERE id = ? AND status = 'pending'",
    )
    .bind(fingerprint, id)
    .run();
}

/** Counts a page that refused its Decision as showing `status`, so no pass tries it again. */
export async function givePageDecisionUp(db: D1Database, escalation: { id: string; status: string }): Promise<void> {
  await db
    .prepare("UPDATE escalations SET page_decision = status WHERE id = ? AND status = ?")
    .bind(escalation.id, escalation.status)
    .run();
}

/** A tenant's escalations past pending whose page was last written as something else, oldest first. */
export async function pagesBehind(db: D1Database, tenant_id: string, limit: number): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT id FROM escalations
        WHERE tenant_id = ? AND notion_page_id IS NOT NULL AND status != 'pending' AND page_decision IS NOT status
        ORDER BY created_at LIMIT ?`,
    )
    .bind(tenant_id, limit)
    .all<{ id: string }>();
  return results.map((row) => row.id);
}

/** Records when the approvers were reminded. */
export async function markReminded(db: D1Database, id: string, now: string): Promise<void> {
  await db.prepare("UPDATE escalations SET reminded_at = ? WHERE id = ?").bind(now, id).run();
}

/** The rows a page is built from besides the escalation's own (see src/approvals/page-facts.ts). */
export interface PageFactRows {
  agent: StoredRow | undefined;
  agent_page: StoredRow | undefined;
  snapshot: StoredRow | undefined;
  policy_row: StoredRow | undefined;
  linked_runbook: StoredRow | undefined;
  active_runbooks: StoredRow[];
  recent: StoredRow[];
}

/** Reads, in one batch, the agent, the holding policy, the runbooks and the recent decisions on the same tool. */
export async function pageFactRows(
  db: D1Database,
  escalation: { id: string; tenant_id: string; agent_id: string; tool: string; snapshot: string },
  policy_id: string | null,
  recent_limit: number,
): Promise<PageFactRows> {
  const { tenant_id } = escalation;
  const [agent, agentPage, snapshot, policyRow, linked, runbooks, recent] = await db.batch<StoredRow>([
    db.prepare("SELECT name FROM agents WHERE tenant_id = ? AND id = ?").bind(tenant_id, escalation.agent_id),
    syncedRow(db, tenant_id, "agents", "Agent ID", escalation.agent_id),
    db
      .prepare("SELECT rows FROM policy_snapshots WHERE tenant_id = ? AND hash = ?")
      .bind(tenant_id, escalation.snapshot),
    syncedRow(db, tenant_id, "policies", "Policy ID", policy_id),
    db
      .prepare(
        `SELECT r.page_id, r.name, r.checks FROM tool_settings s JOIN runbooks r
           ON r.tenant_id = s.tenant_id AND r.page_id = s.runbook_page_id
         WHERE s.tenant_id = ? AND s.tool = ? AND r.status = 'Active'`,
      )
      .bind(tenant_id, escalation.tool),
    db
      .prepare(
        "SELECT page_id, name, checks, tools FROM runbooks WHERE tenant_id = ? AND status = 'Active' ORDER BY name",
      )
      .bind(tenant_id),
    db
      .prepare(
        `SELECT tool, status, decided_by, decided_at FROM escalations
          WHERE tenant_id = ? AND tool = ? AND id != ? AND decided_at IS NOT NULL
          ORDER BY decided_at DESC LIMIT ?`,
      )
      .bind(tenant_id, escalation.tool, escalation.id, recent_limit),
  ]);
  const first = (result: D1Result<StoredRow> | undefined) => result?.results[0];
  return {
    agent: first(agent),
    agent_page: first(agentPage),
    snapshot: first(snapshot),
    policy_row: first(policyRow),
    linked_runbook: first(linked),
    active_runbooks: runbooks?.results ?? [],
    recent: recent?.results ?? [],
  };
}

/** The synced row of a database whose text property equals a value. */
function syncedRow(db: D1Database, tenant_id: string, source: string, property: string, value: string | null) {
  return db
    .prepare(
      `SELECT page_id, value FROM notion_rows
        WHERE tenant_id = ? AND source = ? AND value IS NOT NULL AND json_extract(value, ?) = ? LIMIT 1`,
    )
    .bind(tenant_id, source, `$."${property}"`, value);
}

/**
 * Counts one more attempt at Claude's summary of the escalation, while its page still has the template's and fewer
 * than `max` attempts were made; false when there is nothing left to attempt.
 */
export async function claimSummaryAttempt(db: D1Database, escalation: Scoped, max: number): Promise<boolean> {
  const claimed = await db
    .prepare(
      `UPDATE escalations SET summary_attempts = summary_attempts + 1
        WHERE id = ? AND tenant_id = ? AND summary_by = 'Template' AND summary_attempts < ? RETURNING id`,
    )
    .bind(escalation.id, escalation.tenant_id, max)
    .first();
  return claimed !== null;
}

/** Stops asking for the escalation's summary: its attempts are counted as `max`. */
export async function exhaustSummaryAttempts(db: D1Database, escalation: Scoped, max: number): Promise<void> {
  await db
    .prepare("UPDATE escalations SET summary_attempts = ? WHERE id = ? AND tenant_id = ?")
    .bind(max, escalation.id, escalation.tenant_id)
    .run();
}

/** Records that the escalation's page carries Claude's summary. */
export async function markSummaryByClaude(db: D1Database, escalation: Scoped): Promise<void> {
  await db
    .prepare("UPDATE escalations SET summary_by = 'Claude' WHERE id = ? AND tenant_id = ?")
    .bind(escalation.id, escalation.tenant_id)
    .run();
}

/** A tenant's pending escalations whose page still has the template summary and fewer than `max` attempts. */
export async function awaitingSummary(
  db: D1Database,
  tenant_id: string,
  max: number,
  limit: number,
): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT id FROM escalations
        WHERE tenant_id = ? AND status = 'pending' AND notion_page_id IS NOT NULL AND summary_by = 'Template'
          AND summary_attempts < ?
        ORDER BY created_at LIMIT ?`,
    )
    .bind(tenant_id, max, limit)
    .all<{ id: string }>();
  return results.map((row) => row.id);
}

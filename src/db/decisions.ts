/** The named D1 statements of taking a decision from an Approvals page: finding its escalation, recording it. */
import type { StoredRow } from "./escalations";

/** The escalation of a tenant whose page has one of these ids (the same id written several ways). */
export async function escalationIdOfPage(
  db: D1Database,
  tenant_id: string,
  page_ids: readonly [string, string, string],
): Promise<string | null> {
  const row = await db
    .prepare("SELECT id FROM escalations WHERE tenant_id = ? AND notion_page_id IN (?, ?, ?) LIMIT 1")
    .bind(tenant_id, ...page_ids)
    .first<{ id: string }>();
  return row?.id ?? null;
}

/** A tenant's pending, unexpired escalations that have a page, oldest first. */
export async function pendingWithPage(
  db: D1Database,
  tenant_id: string,
  now: string,
): Promise<{ id: string; notion_page_id: string; created_at: string }[]> {
  const { results } = await db
    .prepare(
      `SELECT id, notion_page_id, created_at FROM escalations
        WHERE tenant_id = ? AND status = 'pending' AND notion_page_id IS NOT NULL AND expires_at > ?
        ORDER BY created_at`,
    )
    .bind(tenant_id, now)
    .all<{ id: string; notion_page_id: string; created_at: string }>();
  return results;
}

/** Whether verified webhook events reach this tenant (any in the last 48 hours, the ids the Worker keeps). */
export async function webhooksArrive(db: D1Database, tenant_id: string): Promise<boolean> {
  return (
    (await db.prepare("SELECT 1 FROM notion_webhook_events WHERE tenant_id = ? LIMIT 1").bind(tenant_id).first()) !==
    null
  );
}

/** The owner the tenant's agent names (null: none, or no such agent). */
export async function agentOwner(db: D1Database, tenant_id: string, agent_id: string): Promise<string | null> {
  const agent = await db
    .prepare("SELECT owner FROM agents WHERE tenant_id = ? AND id = ?")
    .bind(tenant_id, agent_id)
    .first<{ owner: string | null }>();
  return agent?.owner ?? null;
}

/** Records a decision on a pending, unexpired escalation; the row after, or null when it was not pending. */
export function recordDecision(
  db: D1Database,
  escalation: { id: string; tenant_id: string },
  decision: { status: "approved" | "denied"; decided_by: string; decided_by_user_id: string; at: string },
): Promise<StoredRow | null> {
  return db
    .prepare(
      `UPDATE escalations SET status = ?, decided_by = ?, decided_at = ?, decided_by_user_id = ?, decided_via = 'notion'
        WHERE id = ? AND tenant_id = ? AND status = 'pending' AND expires_at > ? RETURNING *`,
    )
    .bind(
      decision.status,
      decision.decided_by,
      decision.at,
      decision.decided_by_user_id,
      escalation.id,
      escalation.tenant_id,
      decision.at,
    )
    .first<StoredRow>();
}

/**
 * Records a break-glass decision (taken through the admin API, its reason redacted) on a pending, unexpired
 * escalation; the row after, or null when it was not pending (whichever decision came first stands).
 */
export function recordBreakGlassDecision(
  db: D1Database,
  escalation: { id: string; tenant_id: string },
  decision: { status: "approved" | "denied"; decided_by: string; reason: string; at: string },
): Promise<StoredRow | null> {
  return db
    .prepare(
      `UPDATE escalations SET status = ?1, decided_by = ?2, decided_at = ?3, decided_by_user_id = NULL,
             decided_via = 'break_glass', decision_reason = ?4
        WHERE id = ?5 AND tenant_id = ?6 AND status = 'pending' AND expires_at > ?3 RETURNING *`,
    )
    .bind(decision.status, decision.decided_by, decision.at, decision.reason, escalation.id, escalation.tenant_id)
    .first<StoredRow>();
}

/** Records a decision nobody can be said to have made, on a pending escalation; the row after, or null. */
export function recordUnattributedDecision(
  db: D1Database,
  escalation: { id: string; tenant_id: string },
  decision: "approved" | "denied",
  at: string,
): Promise<StoredRow | null> {
  return db
    .prepare(
      `UPDATE escalations SET unattributed_decision = ?, unattributed_at = ?
        WHERE id = ? AND tenant_id = ? AND status = 'pending' RETURNING *`,
    )
    .bind(decision, at, escalation.id, escalation.tenant_id)
    .first<StoredRow>();
}

/**
 * The named D1 statements of an escalation's life: opening, finding, claiming, releasing and expiring it. Each
 * returns the row as stored (`StoredRow`); src/approvals/escalations.ts parses it.
 */

/** An `escalations` row as D1 returns it, JSON columns still text. */
export type StoredRow = Record<string, unknown>;

/** The exact call an escalation is bound to, as its key columns: who asked, for whom, which tool, which arguments. */
export interface CallKey {
  tenant_id: string;
  agent_id: string;
  tool: string;
  args_hash: string;
  requested_for: string | null;
}

/** The columns of a new escalation (JSON columns already serialized). */
export interface NewEscalationRow extends CallKey {
  id: string;
  invocation_id: string;
  reason_code: string;
  message: string;
  policy_ids: string;
  /** How many policies held the call (`policy_ids` lists at most DECIDING_LIST_LIMIT of them). */
  policy_count: number;
  approvers: string;
  snapshot: string;
  /** How the caller's facts were verified, as JSON (src/pipeline/caller-facts.ts CallerRecord); null: not known. */
  caller: string | null;
  created_at: string;
  expires_at: string;
  remind_at: string | null;
}

const OF_CALL = "tenant_id = ? AND agent_id = ? AND tool = ? AND args_hash = ? AND COALESCE(requested_for, '') = ?";
const PENDING_OF_CALL = `${OF_CALL} AND status = 'pending'`;
const keyOf = (call: CallKey) => [call.tenant_id, call.agent_id, call.tool, call.args_hash, call.requested_for ?? ""];

/**
 * Inserts an escalation unless one is pending for the same exact call, first marking expired a pending one past
 * its expiry; returns the pending row of the call after that, and whether this insert made it.
 */
export async function insertPendingEscalation(
  db: D1Database,
  row: NewEscalationRow,
): Promise<{ row: StoredRow | null; created: boolean }> {
  const key = keyOf(row);
  const [, inserted] = await db.batch([
    db
      .prepare(`UPDATE escalations SET status = 'expired' WHERE ${PENDING_OF_CALL} AND expires_at <= ?`)
      .bind(...key, row.created_at),
    db
      .prepare(
        `INSERT INTO escalations (id, tenant_id, agent_id, tool, args_hash, requested_for, invocation_id, reason_code,
                                  message, policy_ids, policy_count, approvers, snapshot, caller, created_at, expires_at,
                                  remind_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .bind(
        row.id,
        row.tenant_id,
        row.agent_id,
        row.tool,
        row.args_hash,
        row.requested_for,
        row.invocation_id,
        row.reason_code,
        row.message,
        row.policy_ids,
        row.policy_count,
        row.approvers,
        row.snapshot,
        row.caller,
        row.created_at,
        row.expires_at,
        row.remind_at,
      ),
  ]);
  const pending = await db
    .prepare(`SELECT * FROM escalations WHERE ${PENDING_OF_CALL}`)
    .bind(...key)
    .first<StoredRow>();
  return { row: pending, created: (inserted?.meta.changes ?? 0) > 0 };
}

/** A tenant's escalations, newest first, optionally of one status. */
export async function escalationRowsOfTenant(
  db: D1Database,
  tenant_id: string,
  options: { status?: string; limit: number },
): Promise<StoredRow[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM escalations WHERE tenant_id = ?1 AND (?2 IS NULL OR status = ?2)
        ORDER BY created_at DESC, id LIMIT ?3`,
    )
    .bind(tenant_id, options.status ?? null, options.limit)
    .all<StoredRow>();
  return results;
}

/** One escalation by id; with `tenant_id`, only when it is that tenant's. */
export function escalationRow(db: D1Database, id: string, tenant_id?: string): Promise<StoredRow | null> {
  return tenant_id === undefined
    ? db.prepare("SELECT * FROM escalations WHERE id = ?").bind(id).first<StoredRow>()
    : db.prepare("SELECT * FROM escalations WHERE id = ? AND tenant_id = ?").bind(id, tenant_id).first<StoredRow>();
}

/** One escalation of an agent (null when it is another agent's or tenant's). */
export function escalationRowOfAgent(
  db: D1Database,
  caller: { tenant_id: string; agent_id: string },
  id: string,
): Promise<StoredRow | null> {
  return db
    .prepare(`SELECT * FROM escalations WHERE id = ? AND tenant_id = ? AND agent_id = ?`)
    .bind(id, caller.tenant_id, caller.agent_id)
    .first<StoredRow>();
}

/** The newest escalation of an exact call, whatever its status. */
export function newestEscalationRowOf(db: D1Database, call: CallKey): Promise<StoredRow | null> {
  return db
    .prepare(`SELECT * FROM escalations WHERE ${OF_CALL} ORDER BY created_at DESC, rowid DESC LIMIT 1`)
    .bind(...keyOf(call))
    .first<StoredRow>();
}

/** Marks an approved, unused escalation executed by `invocation_id`; true when this call claimed it. */
export async function claimApprovedEscalation(
  db: D1Database,
  id: string,
  invocation_id: string,
  now: string,
): Promise<boolean> {
  const claimed = await db
    .prepare(
      `UPDATE escalations SET status = 'executed', executed_at = ?, executed_invocation_id = ?
        WHERE id = ? AND status = 'approved' AND executed_invocation_id IS NULL`,
    )
    .bind(now, invocation_id, id)
    .run();
  return claimed.meta.changes === 1;
}

/** Puts an executed escalation back to approved, when `invocation_id` is the one that claimed it. */
export async function unclaimEscalation(db: D1Database, id: string, invocation_id: string): Promise<void> {
  await db
    .prepare(
      `UPDATE escalations SET status = 'approved', executed_at = NULL, executed_invocation_id = NULL
        WHERE id = ? AND status = 'executed' AND executed_invocation_id = ?`,
    )
    .bind(id, invocation_id)
    .run();
}

/** Marks a pending escalation expired when `now` has reached its expiry; the row when this call did it. */
export function expirePendingEscalation(db: D1Database, id: string, now: string): Promise<StoredRow | null> {
  return db
    .prepare(
      `UPDATE escalations SET status = 'expired' WHERE id = ? AND status = 'pending' AND expires_at <= ? RETURNING *`,
    )
    .bind(id, now)
    .first<StoredRow>();
}

/** Records that the escalation's object has it and its alarm (the first time only). */
export async function markTracked(db: D1Database, id: string, now: string): Promise<void> {
  await db.prepare("UPDATE escalations SET tracked_at = ? WHERE id = ? AND tracked_at IS NULL").bind(now, id).run();
}

/**
 * Pending escalations, oldest first, that no object is known to track (opened before `opened_before`) or that are
 * past their expiry at `now`.
 */
export async function untrackedOrOverdue(
  db: D1Database,
  options: { now: string; opened_before: string; limit: number },
): Promise<StoredRow[]> {
  const { results } = await db
    .prepare(
      `SELECT id, tenant_id, expires_at, remind_at FROM escalations
        WHERE status = 'pending' AND ((tracked_at IS NULL AND created_at <= ?) OR expires_at <= ?)
        ORDER BY created_at LIMIT ?`,
    )
    .bind(options.opened_before, options.now, options.limit)
    .all<StoredRow>();
  return results;
}

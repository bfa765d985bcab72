/** The ledger outbox (D1 `ledger_outbox`): outcome entries waiting for the cron because the ledger refused them. */
import type { LedgerEntryInput } from "../ledger/types";

/** An outcome whose ledger append failed after its host ran: the entries to append for it, the outcome last. */
export interface PendingOutcome {
  tenant_id: string;
  invocation_id: string;
  entries: LedgerEntryInput[];
  created_at: string;
}

/** A kept outcome as the outbox holds it: its entries still JSON text (the ledger checks them on append). */
export interface OutboxRow {
  tenant_id: string;
  invocation_id: string;
  entries: string;
  created_at: string;
  attempts: number;
}

/** Keeps `pending` for the cron; keeping the same invocation again changes nothing. */
export async function keepPendingOutcome(db: D1Database, pending: PendingOutcome): Promise<void> {
  await db
    .prepare(
      `INSERT INTO ledger_outbox (invocation_id, tenant_id, entries, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (invocation_id) DO NOTHING`,
    )
    .bind(pending.invocation_id, pending.tenant_id, JSON.stringify(pending.entries), pending.created_at)
    .run();
}

/** The oldest `limit` kept outcomes of every tenant. */
export async function pendingOutcomes(db: D1Database, limit: number): Promise<OutboxRow[]> {
  const { results } = await db
    .prepare(
      "SELECT tenant_id, invocation_id, entries, created_at, attempts FROM ledger_outbox ORDER BY created_at LIMIT ?",
    )
    .bind(limit)
    .all<OutboxRow>();
  return results;
}

/** How many outcomes of `tenant_id` wait in the outbox. */
export async function pendingOutcomeCount(db: D1Database, tenant_id: string): Promise<number> {
  const row = await db
    .prepare("SELECT COUNT(*) AS n FROM ledger_outbox WHERE tenant_id = ?")
    .bind(tenant_id)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Forgets a kept outcome once the ledger holds it. */
export async function forgetPendingOutcome(db: D1Database, invocation_id: string): Promise<void> {
  await db.prepare("DELETE FROM ledger_outbox WHERE invocation_id = ?").bind(invocation_id).run();
}

/** Notes a failed append of a kept outcome: one more attempt, and why (the row stays for the next pass). */
export async function notePendingAttempt(db: D1Database, invocation_id: string, error: string): Promise<void> {
  await db
    .prepare("UPDATE ledger_outbox SET attempts = attempts + 1, last_error = ? WHERE invocation_id = ?")
    .bind(error, invocation_id)
    .run();
}

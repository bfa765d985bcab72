/**
 * An outcome entry the ledger refused after the host ran is still recorded, once: retried after the answer with
 * backoff, then kept in the D1 outbox for the cron. Every try is the same append, and the ledger appends an
 * invocation's outcome once, so a try whose entries were stored but whose reply was lost is never doubled.
 */
import { forgetPendingOutcome, notePendingAttempt, pendingOutcomes, type PendingOutcome } from "../db/ledger-outbox";
import { ledgerEntryInputSchema, type LedgerEntryInput } from "../ledger";
import { describeFault } from "./fault";
import type { LedgerPort, PipelineDeps } from "./ports";

/** How long each deferred retry waits before it appends (ms): a few seconds in all, well within `waitUntil`. */
export const OUTCOME_RETRY_DELAYS_MS = [100, 400, 1600] as const;

/** How many kept outcomes one cron pass appends. */
export const OUTBOX_DRAIN_LIMIT = 100;

/**
 * Retries the append of `pending`'s entries after each delay of {@link OUTCOME_RETRY_DELAYS_MS}, stopping at the
 * first that succeeds; when all fail, keeps it in the outbox. Rejects only when the outbox refuses it too (the
 * decision then stands without an outcome, which is visible).
 */
export async function recordOutcomeLater(
  deps: Pick<PipelineDeps, "ledger" | "outbox" | "wait">,
  pending: PendingOutcome,
): Promise<void> {
  const { tenant_id, invocation_id, entries } = pending;
  for (const delay of OUTCOME_RETRY_DELAYS_MS) {
    await deps.wait(delay);
    try {
      await deps.ledger(tenant_id).append(tenant_id, entries);
      return;
    } catch (error) {
      console.error(`outcome of ${invocation_id} still not on the ledger: ${describeFault(error)}`);
    }
  }
  await deps.outbox.keep(pending);
}

/** What one cron pass over the outbox did: outcomes appended, and those still waiting after a failed try. */
export interface OutboxDrain {
  appended: number;
  failed: number;
}

/**
 * The cron's pass over the outbox (every tenant's, oldest first, {@link OUTBOX_DRAIN_LIMIT} at most): appends each
 * kept outcome and forgets it; one the ledger refuses again stays, its attempt noted, for the next pass.
 */
export async function drainOutcomeOutbox(
  db: D1Database,
  ledger: (tenant_id: string) => LedgerPort,
): Promise<OutboxDrain> {
  const drain: OutboxDrain = { appended: 0, failed: 0 };
  for (const row of await pendingOutcomes(db, OUTBOX_DRAIN_LIMIT)) {
    try {
      await ledger(row.tenant_id).append(row.tenant_id, keptEntries(row.entries));
    } catch (error) {
      drain.failed++;
      await notePendingAttempt(db, row.invocation_id, describeFault(error));
      continue;
    }
    await forgetPendingOutcome(db, row.invocation_id);
    drain.appended++;
  }
  return drain;
}

/** The entries an outbox row keeps, checked as the ledger would (a row that fails stays, its error noted). */
function keptEntries(json: string): LedgerEntryInput[] {
  // The loose schema is what `append` checks; bodies were built by the typed constructors before they were kept.
  return ledgerEntryInputSchema.array().parse(JSON.parse(json)) as LedgerEntryInput[];
}

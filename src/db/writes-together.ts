/**
 * D1 writes that go together: the statements every request this isolate serves hands over after its answer (each
 * call's audit row and decision input) reach D1 in batches. The request that finds no batch in flight waits
 * `gather_ms` for others, then writes everything handed over by then as one batch: one round trip and one commit for
 * many calls instead of one each, and D1 is one database for every tenant.
 *
 * A batch is one transaction, so when it fails each statement in it is run again alone: one bad row never costs the
 * others theirs, and each write answers for its own statement.
 *
 * The request that writes a batch does so in its own context. A request whose statement another request carries
 * checks on a timer of its own until that batch is written: awaiting the other request's promise would resume it in
 * that request's context, where workerd refuses its I/O ("Cannot perform I/O on behalf of a different request").
 * Every request's write stays open until its own statement is written, so none is cut off; and a batch whose request
 * was cut off mid-write (its context cancelled) stops holding up the others after STALLED_MS.
 */

/** Most statements in one batch. */
export const MAX_BATCH_STATEMENTS = 50;
/**
 * How long the request that starts a batch waits for others to join it, by default. D1's cost is mostly per round
 * trip, so calls a few milliseconds apart share one; their records reach D1 that much later.
 */
export const GATHER_MS = 20;
/** How often a statement another request carries checks whether its batch is written. */
const POLL_MS = 2;
/** How long a batch may be in flight before another request stops waiting for it and writes the next one. */
export const STALLED_MS = 10_000;
/** How long a statement waits for a batch another request carries before it reports itself unconfirmed. */
const GIVE_UP_MS = 30_000;

interface Queued {
  statement: D1PreparedStatement;
  taken: boolean;
  result?: { ok: true } | { ok: false; error: unknown };
}

/** Each database's statements waiting for a batch, and whether one is being written. Isolate-wide. */
const queues = new WeakMap<D1Database, Queue>();

interface Queue {
  waiting: Queued[];
  /** The batch in flight, with when it started (epoch ms), or null. */
  writing: { since: number } | null;
  gathered_at: number;
}

/**
 * A write for `db`: resolves once its statement is written, or rejects with that statement's own error. A batch waits
 * `gather_ms` for statements from other requests; statements handed over in the same turn always go together. A
 * batch still in flight after `stalled_ms` no longer holds up the next one.
 */
export function writesTogether(
  db: D1Database,
  { gather_ms = GATHER_MS, stalled_ms = STALLED_MS }: { gather_ms?: number; stalled_ms?: number } = {},
): (statement: D1PreparedStatement) => Promise<void> {
  return async (statement) => {
    let queue = queues.get(db);
    if (!queue) queues.set(db, (queue = { waiting: [], writing: null, gathered_at: 0 }));
    const mine: Queued = { statement, taken: false };
    queue.waiting.push(mine);
    // Statements handed over later in this turn (the call's other write) join the batch this one starts.
    await Promise.resolve();
    const handed_over = Date.now();
    while (!mine.result) {
      if (queue.writing === null || Date.now() - queue.writing.since > stalled_ms) {
        const flight = (queue.writing = { since: Date.now() });
        try {
          if (gather_ms > 0 && queue.waiting.length < MAX_BATCH_STATEMENTS) {
            queue.gathered_at = Date.now() + gather_ms;
            await new Promise((resolve) => setTimeout(resolve, gather_ms));
          }
          const batch = queue.waiting.splice(0, MAX_BATCH_STATEMENTS);
          for (const queued of batch) queued.taken = true;
          await write(db, batch);
        } finally {
          if (queue.writing === flight) queue.writing = null;
        }
        continue;
      }
      if (Date.now() - handed_over > GIVE_UP_MS)
        throw new Error(
          `no word after ${GIVE_UP_MS / 1000} s from the batch that ${mine.taken ? "took" : "queued"} it`,
        );
      // While the batch gathers, nothing can change before it is taken: wait for that instead of checking.
      const wait = Math.max(POLL_MS, queue.gathered_at - Date.now() + POLL_MS);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    if (!mine.result.ok) throw mine.result.error;
  };
}

async function write(db: D1Database, batch: Queued[]): Promise<void> {
  if (batch.length > 1) {
    try {
      await db.batch(batch.map((queued) => queued.statement));
      for (const queued of batch) queued.result = { ok: true };
      return;
    } catch {
      // One transaction: nothing of it was written. Each statement is tried alone below, and answers for itself.
    }
  }
  await Promise.all(
    batch.map(async (queued) => {
      try {
        await queued.statement.run();
        queued.result = { ok: true };
      } catch (error) {
        queued.result = { ok: false, error };
      }
    }),
  );
}

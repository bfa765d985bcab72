/**
 * D1 writes that go together: statements handed over in the same turn (a call's audit row and its decision input,
 * both written after the response) reach D1 as one batch: one round trip and one commit instead of one each. A batch
 * is one transaction, so when it fails each statement is run again alone: one bad row never costs the others theirs.
 */
export function writesTogether(db: D1Database): (statement: D1PreparedStatement) => Promise<void> {
  let queued: Queued[] | null = null;
  return (statement) =>
    new Promise<void>((resolve, reject) => {
      if (!queued) {
        queued = [];
        queueMicrotask(() => {
          const batch = queued ?? [];
          queued = null;
          void write(db, batch);
        });
      }
      queued.push({ statement, resolve, reject });
    });
}

interface Queued {
  statement: D1PreparedStatement;
  resolve: () => void;
  reject: (error: unknown) => void;
}

async function write(db: D1Database, batch: Queued[]): Promise<void> {
  if (batch.length > 1) {
    try {
      await db.batch(batch.map((queued) => queued.statement));
      for (const queued of batch) queued.resolve();
      return;
    } catch {
      // One transaction: nothing of it was written. Each statement is tried alone below, and answers for itself.
    }
  }
  await Promise.all(batch.map(({ statement, resolve, reject }) => statement.run().then(() => resolve(), reject)));
}

/** Runs statements in D1 batches of `size`, in order; each batch is one transaction, the whole is not. */
export async function runBatches(db: D1Database, statements: readonly D1PreparedStatement[], size = 100) {
  for (let i = 0; i < statements.length; i += size) await db.batch(statements.slice(i, i + size));
}

/**
 * Waits for every promise to settle, then gives their values or throws the first failure. Unlike `Promise.all`, no
 * work outlives the caller's failure, and every promise has its handler from the start.
 *
 * @example const [facts, people] = await settleAll([pageFacts(db, escalation), pages.people()] as const);
 */
export async function settleAll<T extends readonly unknown[]>(
  work: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

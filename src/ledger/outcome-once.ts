/**
 * An invocation has one `outcome` entry, however often it is appended: a caller whose append's reply was lost may
 * retry it, and the retry must find what the first one stored instead of writing a second outcome.
 */
import { canonicalJson } from "./canonical";
import type { LedgerEntry, LooseLedgerEntryInput } from "./types";

/** The invocation whose outcome `inputs` append (the first outcome entry's), or null when they append none. */
export function outcomeInvocation(inputs: readonly LooseLedgerEntryInput[]): string | null {
  return inputs.find((input) => input.kind === "outcome" && input.invocation_id !== null)?.invocation_id ?? null;
}

/**
 * What an earlier append stored for `inputs`, in their order: for each input, the stored entry of the same kind and
 * invocation with the same body; the outcome matches the invocation's outcome entry whatever its body (there is only
 * one). An input nothing matches is left out, so a retry never gets entries it did not append.
 */
export function storedFor(stored: readonly LedgerEntry[], inputs: readonly LooseLedgerEntryInput[]): LedgerEntry[] {
  const unclaimed = [...stored];
  const found: LedgerEntry[] = [];
  for (const input of inputs) {
    const body = input.kind === "outcome" ? null : canonicalJson(input.body);
    const at = unclaimed.findIndex(
      (entry) =>
        entry.kind === input.kind &&
        entry.invocation_id === input.invocation_id &&
        (body === null || canonicalJson(entry.body) === body),
    );
    if (at >= 0) found.push(...unclaimed.splice(at, 1));
  }
  return found;
}

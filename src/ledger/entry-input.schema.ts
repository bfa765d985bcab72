import { z } from "zod";
import type { JsonValue } from "./canonical";
import { LEDGER_ENTRY_KINDS, type LooseLedgerEntryInput } from "./types";

/** A plain object (not an array, null, or a class instance such as Date or Map). */
function isPlainObject(value: unknown): value is { [key: string]: JsonValue } {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * What `append` accepts for one entry: a known kind, an invocation id or null, and a plain object body.
 * The body's members are checked by canonicalJson when the entry is hashed (it refuses values with no JSON form);
 * a full z.json() walk here cost several times the rest of an append, so the body's schema (./entries) is not
 * applied here either: writers build bodies with the typed constructors, and evidence verification parses them.
 */
export const ledgerEntryInputSchema = z.object({
  kind: z.enum(LEDGER_ENTRY_KINDS),
  invocation_id: z.string().min(1).nullable(),
  body: z.custom<{ [key: string]: JsonValue }>(isPlainObject, "body must be a plain JSON object"),
}) satisfies z.ZodType<LooseLedgerEntryInput>;

const appendArgsSchema = z.object({ tenant_id: z.string().min(1), inputs: z.array(ledgerEntryInputSchema) });

/** Parses `append`'s arguments; throws (a caller's bug) when the tenant id or an entry is malformed. */
export function parseAppendArgs(
  tenant_id: unknown,
  inputs: unknown,
): { tenant_id: string; inputs: LooseLedgerEntryInput[] } {
  return appendArgsSchema.parse({ tenant_id, inputs });
}

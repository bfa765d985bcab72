import { z } from "zod";
import { LEDGER_ENTRY_KINDS, type LedgerEntryInput } from "./types";

/** What `append` accepts for one entry: a known kind, an invocation id or null, and a JSON object body. */
export const ledgerEntryInputSchema = z.object({
  kind: z.enum(LEDGER_ENTRY_KINDS),
  invocation_id: z.string().min(1).nullable(),
  body: z.record(z.string(), z.json()),
}) satisfies z.ZodType<LedgerEntryInput>;

/** Parses `append`'s arguments; throws (a caller's bug) when the tenant id or an entry is malformed. */
export function parseAppendArgs(
  tenant_id: unknown,
  inputs: unknown,
): { tenant_id: string; inputs: LedgerEntryInput[] } {
  return z
    .object({ tenant_id: z.string().min(1), inputs: z.array(ledgerEntryInputSchema) })
    .parse({ tenant_id, inputs });
}

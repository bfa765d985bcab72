import type { Env } from "../env";
import type { LedgerDO } from "./ledger.do";
import type { Ledger } from "./types";

export { canonicalJson, hashOf, sha256Hex, sha256HexSync, type JsonValue } from "./canonical";
export {
  chainEntries,
  entryHash,
  entryPreimage,
  entryId,
  GENESIS,
  GENESIS_HASH,
  verifyChain,
  type ChainPosition,
  type ChainVerification,
  type UnsealedEntry,
} from "./chain";
export { checkpointBody, checkpointOf, checkpointOrigin, signedCheckpoint } from "./checkpoint-note";
export { ledgerEntryInputSchema } from "./entry-input.schema";
export * from "./entries";
export { evidenceLines } from "./evidence";
export type { LedgerDO } from "./ledger.do";
export { checkpointSigner, type CheckpointSigner, type SignerProblem } from "./signing-key";
export * from "./types";

/** The raw stub of one tenant's ledger Durable Object (for `runInDurableObject`); callers want {@link Ledger}. */
export type LedgerStub = DurableObjectStub<LedgerDO>;

/**
 * The ledger of `tenant_id` (one Durable Object per tenant, named by the tenant id).
 *
 * @example await ledgerFor(env, "acme").append("acme", [decisionEntry("inv_1", body)])
 */
export function ledgerFor(env: Pick<Env, "LEDGER">, tenant_id: string): Ledger {
  // The stub's generated RPC types recurse without end over JSON bodies (TS2589). LedgerDO implements Ledger and
  // every value it returns is plain JSON data, which RPC copies unchanged, so the stub has exactly Ledger's shape.
  return env.LEDGER.get(env.LEDGER.idFromName(tenant_id)) as unknown as Ledger;
}

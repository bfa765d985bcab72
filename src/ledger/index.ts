import type { Env } from "../env";
import type { LedgerDO } from "./ledger.do";

export { canonicalJson, hashOf, sha256Hex, sha256HexSync, type JsonValue } from "./canonical";
export {
  chainEntries,
  entryHash,
  entryId,
  GENESIS,
  GENESIS_HASH,
  verifyChain,
  type ChainPosition,
  type ChainVerification,
  type UnsealedEntry,
} from "./chain";
export { ledgerEntryInputSchema } from "./entry-input.schema";
export { LedgerDO, LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT, type LedgerListOptions } from "./ledger.do";
export * from "./types";

/** A stub for one tenant's ledger Durable Object; call its methods directly (RPC). */
export type LedgerStub = DurableObjectStub<LedgerDO>;

/**
 * The ledger of `tenant_id` (one Durable Object per tenant, named by the tenant id).
 *
 * @example await ledgerFor(env, "acme").append("acme", [{ kind: "decision", invocation_id: "inv_1", body: {} }])
 */
export function ledgerFor(env: Pick<Env, "LEDGER">, tenant_id: string): LedgerStub {
  return env.LEDGER.get(env.LEDGER.idFromName(tenant_id));
}

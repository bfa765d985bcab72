import { env, runInDurableObject } from "cloudflare:test";
import type { Env } from "../../src/env";
import {
  decisionEntry,
  ledgerFor,
  type Ledger,
  type LedgerDO,
  type LedgerEntryInput,
  type LedgerStub,
} from "../../src/ledger";
import { recorded } from "./recorded-bodies";

/** The test Worker's ledger binding. */
export const ledgerEnv = env as unknown as Pick<Env, "LEDGER">;

/** A ledger no other test touches, its tenant id, and its raw stub for `runInDurableObject`. */
export function freshLedger(prefix = "tenant"): { tenant: string; ledger: Ledger; stub: LedgerStub } {
  const tenant = `${prefix}_${crypto.randomUUID()}`;
  const stub: LedgerStub = ledgerEnv.LEDGER.get(ledgerEnv.LEDGER.idFromName(tenant));
  return { tenant, ledger: ledgerFor(ledgerEnv, tenant), stub };
}

/** A decision entry numbered `n` (its invocation id, and its arguments' hash, which makes each body different). */
export function decision(n: number): LedgerEntryInput {
  return decisionEntry(`inv_${n}`, { ...recorded.decisionRedacted, args_hash: `sha256:${n}` });
}

/** Appends `count` single-entry decisions, one RPC each, in order. */
export async function appendDecisions(ledger: Ledger, tenant: string, count: number): Promise<void> {
  for (let n = 1; n <= count; n++) await ledger.append(tenant, [decision(n)]);
}

/**
 * The message of the error `call` throws inside the ledger's Durable Object; fails if it does not throw.
 * Called on the instance, not over RPC: a rejected RPC leaks an unhandled rejection in the Workers pool
 * (cloudflare/workers-sdk#14736).
 */
export async function refusal(stub: LedgerStub, call: (instance: LedgerDO) => Promise<unknown>): Promise<string> {
  return runInDurableObject<LedgerDO, string>(stub, async (instance) => {
    try {
      await call(instance);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    throw new Error("expected the ledger to refuse the call");
  });
}

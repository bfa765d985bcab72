import { DurableObject } from "cloudflare:workers";
/** Placeholder until the ledger lands. */
export class LedgerDO extends DurableObject {}

/** A Worker with only the ledger, for running test/ledger while the rest of the app is mid-change. */
export { LedgerDO } from "../../src/ledger/ledger.do";
export default { fetch: () => new Response("ledger only") } satisfies ExportedHandler;

import type { Env } from "./env";
export { LedgerDO } from "./ledger/ledger.do";
export default {
  async fetch() {
    return new Response("Policy OS", { status: 200 });
  },
} satisfies ExportedHandler<Env>;

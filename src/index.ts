import { createApp } from "./app";
import type { Env } from "./env";

export { LedgerDO } from "./ledger/ledger.do";
export { NotionGateDO } from "./notion/gate.do";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;

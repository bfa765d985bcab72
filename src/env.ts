import type { EscalationDO } from "./approvals/escalation.do";
import type { BudgetDO } from "./budgets/budget.do";
import type { LedgerDO } from "./ledger/ledger.do";
import type { NotionGateDO } from "./notion/gate.do";
import type { NotionSyncDO } from "./notion/sync/sync.do";

/** The Worker's bindings (wrangler.toml) and secrets. */
export interface Env {
  DB: D1Database;
  LEDGER: DurableObjectNamespace<LedgerDO>;
  /** One object per escalation, named by its id: the alarm that expires it. */
  ESCALATIONS: DurableObjectNamespace<EscalationDO>;
  /** One gate per Notion integration: every Notion call passes through it. */
  NOTION_GATE: DurableObjectNamespace<NotionGateDO>;
  /** One sync per tenant: runs Notion → D1 syncs one at a time and folds requests that arrive meanwhile. */
  NOTION_SYNC: DurableObjectNamespace<NotionSyncDO>;
  /** One budget book per tenant, named by its id: reserves, settles and releases spend against its caps. */
  BUDGETS: DurableObjectNamespace<BudgetDO>;
  /** Notion's API base URL (default https://api.notion.com; the local emulator under `npm start`). */
  NOTION_API_URL?: string;
  /** "local" under `npm start` and tests; anything else is treated as a deployed environment. */
  ENVIRONMENT: string;
  /** Comma-separated browser origins allowed to call /mcp. */
  ALLOWED_ORIGINS?: string;
  /** The admin API's bearer token (a secret in production). */
  ADMIN_TOKEN?: string;
  /** How long an isolate reuses a verified key's principal, in ms (default 5000; "0" reads D1 on every call). */
  AUTH_CACHE_TTL_MS?: string;
  /** Anthropic's API key (a secret): without it, approval summaries and digests are written from templates. */
  ANTHROPIC_API_KEY?: string;
  /** Anthropic's API base URL (default https://api.anthropic.com). */
  ANTHROPIC_BASE_URL?: string;
  /** The Claude model that writes summaries and digests (default claude-sonnet-5-5). */
  CLAUDE_MODEL?: string;
  /** The model's price as "input,output" US dollars per million tokens, when it is not in src/claude/prices.ts. */
  CLAUDE_PRICE_PER_MTOK?: string;
  /** How long one Claude call may take, in ms, before its page keeps the template (default 20000). */
  CLAUDE_TIMEOUT_MS?: string;
  /** Local dev only: the key the seeded demo agent uses. */
  DEMO_AGENT_KEY?: string;
  /** Upstream hosts name a secret holding their auth header; secrets are looked up by that name. */
  [secret: string]: unknown;
}

/** Documented local defaults. They are refused whenever ENVIRONMENT is not "local". */
export const LOCAL_DEFAULTS = {
  adminToken: "local-admin-token",
  demoAgentKey: "pos_demo_local_agent_key",
  demoTenantId: "demo",
} as const;

/** Whether this Worker runs under local dev (`npm start`, tests). */
export function isLocal(env: Pick<Env, "ENVIRONMENT">): boolean {
  return env.ENVIRONMENT === "local";
}

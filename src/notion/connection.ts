import { Client } from "@notionhq/client";
import { z } from "zod";
import { secretsOf, type Env } from "../env";
import { sha256Hex } from "../ledger";
import {
  getConnection,
  saveConnection,
  SOURCES,
  type NotionConnection,
  type OptionalSourceName,
  type SourceName,
} from "../db/notion-connections";
import { gatedFetch } from "./gated-fetch";

// Connections are stored by src/db/notion-connections.ts; callers find them here, beside the client they open.
export {
  deleteConnection,
  getConnection,
  handshakeToken,
  listConnections,
  recordHandshake,
  SOURCES,
  type NotionConnection,
  type SourceName,
} from "../db/notion-connections";

/**
 * The databases the sync reads into D1 (Approvals and Digests are written, not synced), in the order it reads them:
 * golden tasks first, so an edited task checks the policies edited in the same sync. Golden tasks is optional: a
 * connection without it is not read for it.
 */
export const SYNCED_SOURCES = ["golden_tasks", "policies", "agents", "tools", "runbooks"] as const satisfies readonly (
  SourceName | OptionalSourceName
)[];
export type SyncedSource = (typeof SYNCED_SOURCES)[number];

/** Where Notion's API lives unless NOTION_API_URL says otherwise (the local emulator, under `npm start`). */
export const NOTION_API_URL = "https://api.notion.com";

const secretName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,63}$/, "the NAME of a Worker secret: upper-case letters, digits and _");
const dataSourceId = z.string().regex(/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i, {
  message: "a Notion data source id (a UUID, as `policy-os notion setup` prints it)",
});

/** Input for connecting a tenant to Notion (admin API). */
export const connectionInputSchema = z.strictObject({
  tenant: z.string().optional(),
  token_secret: secretName.default("NOTION_TOKEN").describe("The Worker secret holding the integration token"),
  webhook_secret: secretName
    .nullable()
    .default("NOTION_WEBHOOK_SECRET")
    .describe("The Worker secret holding the webhook verification token; null to refuse every webhook"),
  requests_per_second: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(3)
    .describe("The integration's rate limit: Notion allows about 3 requests/s; change it only if Notion told you so"),
  data_sources: z.strictObject({
    ...(Object.fromEntries(SOURCES.map((s) => [s, dataSourceId])) as {
      [K in SourceName]: typeof dataSourceId;
    }),
    incidents: dataSourceId.optional().describe("The Incidents database (optional: incidents get no pages without it)"),
    releases: dataSourceId
      .optional()
      .describe("The Releases database (optional: releases get no pages, held rows no link, without it)"),
    golden_tasks: dataSourceId
      .optional()
      .describe("The Golden tasks database (optional: golden tasks are then set only through the admin API)"),
  }),
});

/** Connects a tenant to Notion, or changes its connection. Sync state is kept when the data sources stay. */
export async function putConnection(
  db: D1Database,
  tenant_id: string,
  input: Omit<z.infer<typeof connectionInputSchema>, "tenant" | "requests_per_second"> & {
    requests_per_second?: number;
  },
  now: string,
): Promise<NotionConnection> {
  const before = await getConnection(db, tenant_id);
  // Rows read from other data sources mean nothing for the new ones: start those syncs afresh.
  const reset = [...SOURCES, "golden_tasks" as const].filter(
    (source) => before && before.data_sources[source] !== input.data_sources[source],
  );
  await saveConnection(
    db,
    tenant_id,
    {
      token_secret: input.token_secret,
      webhook_secret: input.webhook_secret,
      data_sources: input.data_sources,
      requests_per_second: input.requests_per_second ?? 3,
    },
    now,
    reset,
  );
  return (await getConnection(db, tenant_id))!;
}

/** A secret's value by name, when the Worker has it. */
export function secretValue(env: Env, name: string | null): string | undefined {
  if (!name) return undefined;
  const value = secretsOf(env)[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Raised when a connection names a secret the Worker does not have. */
export class MissingSecretError extends Error {
  constructor(readonly secret: string) {
    super(`The Worker has no secret named ${secret}; set it with \`wrangler secret put ${secret}\`.`);
    this.name = "MissingSecretError";
  }
}

/**
 * A @notionhq/client Client for a tenant's integration whose every request goes through the integration's gate
 * (one gate per token, so tenants sharing nothing never share a rate limit). `NOTION_DEADLINE_MS`, when set, caps
 * every call's deadline (the gate's default is 30 s).
 */
export async function notionClientFor(
  env: Env,
  connection: Pick<NotionConnection, "token_secret" | "requests_per_second">,
  options: { deadline_ms?: number } = {},
): Promise<Client> {
  const auth = secretValue(env, connection.token_secret);
  if (!auth) throw new MissingSecretError(connection.token_secret);
  const gate = env.NOTION_GATE.get(env.NOTION_GATE.idFromName(await sha256Hex(`notion-gate\n${auth}`)));
  return new Client({
    auth,
    baseUrl: (typeof env.NOTION_API_URL === "string" && env.NOTION_API_URL) || NOTION_API_URL,
    fetch: gatedFetch(gate, {
      deadline_ms: deadlineMs(env, options.deadline_ms),
      per_second: connection.requests_per_second,
    }),
    // The gate paces, honours Retry-After and retries within bounds; the client must not retry on top of it.
    retry: false,
    timeoutMs: 60_000,
    logger: () => undefined,
  });
}

/** The shorter of a call's own deadline and `NOTION_DEADLINE_MS` (ignored unless a positive number). */
function deadlineMs(env: Env, own: number | undefined): number | undefined {
  const cap = Number(env.NOTION_DEADLINE_MS);
  if (!Number.isFinite(cap) || cap <= 0) return own;
  return own === undefined ? cap : Math.min(own, cap);
}

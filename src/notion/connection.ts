import { Client } from "@notionhq/client";
import { z } from "zod";
import { secretsOf, type Env } from "../env";
import { sha256Hex } from "../ledger/canonical";
import { gatedFetch } from "./gated-fetch";

/** The databases a tenant's Notion connection names, by the key the admin API and D1 use. */
export const SOURCES = ["policies", "agents", "tools", "runbooks", "approvals", "digests"] as const;
export type SourceName = (typeof SOURCES)[number];

/** The databases the sync reads into D1 (Approvals and Digests are written, not synced). */
export const SYNCED_SOURCES = ["policies", "agents", "tools", "runbooks"] as const satisfies readonly SourceName[];
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
  data_sources: z.strictObject(
    Object.fromEntries(SOURCES.map((s) => [s, dataSourceId])) as {
      [K in SourceName]: typeof dataSourceId;
    },
  ),
});

/** A tenant's Notion connection (no secret values: only their names). */
export interface NotionConnection {
  tenant_id: string;
  token_secret: string;
  webhook_secret: string | null;
  data_sources: Record<SourceName, string>;
  requests_per_second: number;
  handshake_at: string | null;
  created_at: string;
  updated_at: string;
}

interface ConnectionRow {
  tenant_id: string;
  token_secret: string;
  webhook_secret: string | null;
  data_sources: string;
  requests_per_second: number;
  handshake_at: string | null;
  created_at: string;
  updated_at: string;
}

const fromRow = (row: ConnectionRow): NotionConnection => ({
  ...row,
  data_sources: JSON.parse(row.data_sources) as Record<SourceName, string>,
});

/** The tenant's Notion connection, or null when it has none. */
export async function getConnection(db: D1Database, tenant_id: string): Promise<NotionConnection | null> {
  const row = await db
    .prepare(
      "SELECT tenant_id, token_secret, webhook_secret, data_sources, requests_per_second, handshake_at, created_at, updated_at FROM notion_connections WHERE tenant_id = ?",
    )
    .bind(tenant_id)
    .first<ConnectionRow>();
  return row ? fromRow(row) : null;
}

/** Every tenant that has a Notion connection. */
export async function listConnections(db: D1Database): Promise<NotionConnection[]> {
  const { results } = await db
    .prepare(
      "SELECT tenant_id, token_secret, webhook_secret, data_sources, requests_per_second, handshake_at, created_at, updated_at FROM notion_connections ORDER BY tenant_id",
    )
    .all<ConnectionRow>();
  return results.map(fromRow);
}

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
  const statements = [
    db
      .prepare(
        `INSERT INTO notion_connections (tenant_id, token_secret, webhook_secret, data_sources, requests_per_second, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id) DO UPDATE SET token_secret = excluded.token_secret,
           webhook_secret = excluded.webhook_secret, data_sources = excluded.data_sources,
           requests_per_second = excluded.requests_per_second, updated_at = excluded.updated_at`,
      )
      .bind(
        tenant_id,
        input.token_secret,
        input.webhook_secret,
        JSON.stringify(input.data_sources),
        input.requests_per_second ?? 3,
        now,
        now,
      ),
  ];
  // Rows read from other data sources mean nothing for the new ones: start those syncs afresh.
  for (const source of SOURCES) {
    if (before && before.data_sources[source] !== input.data_sources[source])
      statements.push(
        db.prepare("DELETE FROM notion_sync_state WHERE tenant_id = ? AND source = ?").bind(tenant_id, source),
        db.prepare("DELETE FROM notion_rows WHERE tenant_id = ? AND source = ?").bind(tenant_id, source),
      );
  }
  await db.batch(statements);
  return (await getConnection(db, tenant_id))!;
}

/** Forgets a tenant's Notion connection and what its sync kept; what is in force stays in force. */
export async function deleteConnection(db: D1Database, tenant_id: string): Promise<boolean> {
  const [deleted] = await db.batch([
    db.prepare("DELETE FROM notion_connections WHERE tenant_id = ?").bind(tenant_id),
    db.prepare("DELETE FROM notion_rows WHERE tenant_id = ?").bind(tenant_id),
    db.prepare("DELETE FROM notion_sync_state WHERE tenant_id = ?").bind(tenant_id),
  ]);
  return (deleted?.meta.changes ?? 0) > 0;
}

/** Records that Notion sent a verification token. It is kept for the operator to read; it is never used. */
export async function recordHandshake(db: D1Database, tenant_id: string, token: string, now: string): Promise<void> {
  await db
    .prepare("UPDATE notion_connections SET handshake_at = ?, handshake_token = ? WHERE tenant_id = ?")
    .bind(now, token, tenant_id)
    .run();
}

/** The verification token Notion sent last, for the operator (admin API only). */
export async function handshakeToken(db: D1Database, tenant_id: string): Promise<string | null> {
  const row = await db
    .prepare("SELECT handshake_token FROM notion_connections WHERE tenant_id = ?")
    .bind(tenant_id)
    .first<{ handshake_token: string | null }>();
  return row?.handshake_token ?? null;
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
 * (one gate per token, so tenants sharing nothing never share a rate limit).
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
    fetch: gatedFetch(gate, { ...options, per_second: connection.requests_per_second }),
    // The gate paces, honours Retry-After and retries within bounds; the client must not retry on top of it.
    retry: false,
    timeoutMs: 60_000,
    logger: () => undefined,
  });
}

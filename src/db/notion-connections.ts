/** The databases a tenant's Notion connection names, by the key the admin API and D1 use. */
export const SOURCES = ["policies", "agents", "tools", "runbooks", "approvals", "digests"] as const;
export type SourceName = (typeof SOURCES)[number];
/** The databases a connection may name but need not (set up after the first six: connections made before lack them). */
export const OPTIONAL_SOURCES = ["incidents", "releases", "golden_tasks"] as const;
export type OptionalSourceName = (typeof OPTIONAL_SOURCES)[number];
/** A connection's data source ids: the six it must name, and the optional ones it does. */
export type ConnectionDataSources = Record<SourceName, string> & Partial<Record<OptionalSourceName, string>>;

/** A tenant's Notion connection (no secret values: only their names). */
export interface NotionConnection {
  tenant_id: string;
  token_secret: string;
  webhook_secret: string | null;
  data_sources: ConnectionDataSources;
  requests_per_second: number;
  handshake_at: string | null;
  created_at: string;
  updated_at: string;
}

/** What a connection is set to: the secrets' names, its data sources and its rate. */
export type ConnectionSettings = Pick<
  NotionConnection,
  "token_secret" | "webhook_secret" | "data_sources" | "requests_per_second"
>;

interface ConnectionRow extends Omit<NotionConnection, "data_sources"> {
  data_sources: string;
}

const COLUMNS =
  "tenant_id, token_secret, webhook_secret, data_sources, requests_per_second, handshake_at, created_at, updated_at";

const fromRow = (row: ConnectionRow): NotionConnection => ({
  ...row,
  data_sources: JSON.parse(row.data_sources) as ConnectionDataSources,
});

/** The tenant's Notion connection, or null when it has none. */
export async function getConnection(db: D1Database, tenant_id: string): Promise<NotionConnection | null> {
  const row = await db
    .prepare(`SELECT ${COLUMNS} FROM notion_connections WHERE tenant_id = ?`)
    .bind(tenant_id)
    .first<ConnectionRow>();
  return row ? fromRow(row) : null;
}

/** Every tenant that has a Notion connection. */
export async function listConnections(db: D1Database): Promise<NotionConnection[]> {
  const { results } = await db
    .prepare(`SELECT ${COLUMNS} FROM notion_connections ORDER BY tenant_id`)
    .all<ConnectionRow>();
  return results.map(fromRow);
}

/**
 * Stores a tenant's connection (created, or its settings changed) and, in the same transaction, forgets what the
 * sync kept of each database in `reset`: its rows and its cursor (and, for Golden tasks, the tasks its rows set).
 */
export async function saveConnection(
  db: D1Database,
  tenant_id: string,
  settings: ConnectionSettings,
  now: string,
  reset: readonly (SourceName | OptionalSourceName)[],
): Promise<void> {
  await db.batch([
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
        settings.token_secret,
        settings.webhook_secret,
        JSON.stringify(settings.data_sources),
        settings.requests_per_second,
        now,
        now,
      ),
    ...reset.flatMap((source) => [
      db.prepare("DELETE FROM notion_sync_state WHERE tenant_id = ? AND source = ?").bind(tenant_id, source),
      db.prepare("DELETE FROM notion_rows WHERE tenant_id = ? AND source = ?").bind(tenant_id, source),
    ]),
    // Tasks set by rows of a database no longer connected would otherwise stay checked with no row to change them.
    ...(reset.includes("golden_tasks")
      ? [db.prepare("DELETE FROM golden_tasks WHERE tenant_id = ? AND source = 'notion'").bind(tenant_id)]
      : []),
  ]);
}

/** Forgets a tenant's Notion connection and what its sync kept; what is in force stays in force (golden tasks too). */
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

import type { HostConfig } from "./host-config";
import { HostConfigSchema } from "./host-config";
import type { ToolDescriptor } from "./host";

/** The stored tool list of one host (a row of `tool_catalog`). */
export interface CatalogRow {
  host_id: string;
  tools: ToolDescriptor[];
  /** ISO time of the last successful fetch; null when the host never answered. */
  fetched_at: string | null;
  /** ISO time of the last attempt. */
  checked_at: string;
  error: string | null;
}

/** Every host of a tenant, by id. Rows that do not parse are skipped (they never widen what agents can reach). */
export async function listHostConfigs(db: D1Database, tenant_id: string): Promise<HostConfig[]> {
  const { results } = await db
    .prepare(
      "SELECT tenant_id, id, kind, label, url, auth_secret, auth_header, timeout_ms, created_at FROM hosts WHERE tenant_id = ? ORDER BY id",
    )
    .bind(tenant_id)
    .all();
  return results.flatMap((row) => {
    const parsed = HostConfigSchema.safeParse(row);
    return parsed.success ? [parsed.data] : [];
  });
}

/** The stored tool lists of a tenant's hosts, by host id. */
export async function listCatalogRows(db: D1Database, tenant_id: string): Promise<Map<string, CatalogRow>> {
  const { results } = await db
    .prepare("SELECT host_id, tools, fetched_at, checked_at, error FROM tool_catalog WHERE tenant_id = ?")
    .bind(tenant_id)
    .all<{ host_id: string; tools: string; fetched_at: string | null; checked_at: string; error: string | null }>();
  const rows = new Map<string, CatalogRow>();
  for (const row of results) rows.set(row.host_id, { ...row, tools: parseTools(row.tools) });
  return rows;
}

/** Insert or replace a host's configuration. */
export function upsertHostStatement(db: D1Database, config: HostConfig): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO hosts (tenant_id, id, kind, label, url, auth_secret, auth_header, timeout_ms, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant_id, id) DO UPDATE SET kind = excluded.kind, label = excluded.label, url = excluded.url,
         auth_secret = excluded.auth_secret, auth_header = excluded.auth_header, timeout_ms = excluded.timeout_ms`,
    )
    .bind(
      config.tenant_id,
      config.id,
      config.kind,
      config.label,
      config.url,
      config.auth_secret,
      config.auth_header,
      config.timeout_ms,
      config.created_at,
    );
}

/** Record a successful fetch of a host's tools. */
export function saveToolsStatement(
  db: D1Database,
  tenant_id: string,
  host_id: string,
  tools: ToolDescriptor[],
  at: string,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO tool_catalog (tenant_id, host_id, tools, fetched_at, checked_at, error) VALUES (?, ?, ?, ?, ?, NULL)
       ON CONFLICT (tenant_id, host_id) DO UPDATE SET tools = excluded.tools, fetched_at = excluded.fetched_at,
         checked_at = excluded.checked_at, error = NULL`,
    )
    .bind(tenant_id, host_id, JSON.stringify(tools), at, at);
}

/** Record a failed fetch: the last good tools stay. */
export function saveFetchErrorStatement(
  db: D1Database,
  tenant_id: string,
  host_id: string,
  error: string,
  at: string,
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO tool_catalog (tenant_id, host_id, tools, fetched_at, checked_at, error) VALUES (?, ?, '[]', NULL, ?, ?)
       ON CONFLICT (tenant_id, host_id) DO UPDATE SET checked_at = excluded.checked_at, error = excluded.error`,
    )
    .bind(tenant_id, host_id, at, error);
}

/** Delete a host and its stored tools; resolves to whether the host existed. */
export async function deleteHost(db: D1Database, tenant_id: string, host_id: string): Promise<boolean> {
  const [removed] = await db.batch([
    db.prepare("DELETE FROM hosts WHERE tenant_id = ? AND id = ?").bind(tenant_id, host_id),
    db.prepare("DELETE FROM tool_catalog WHERE tenant_id = ? AND host_id = ?").bind(tenant_id, host_id),
  ]);
  return (removed?.meta.changes ?? 0) > 0;
}

function parseTools(json: string): ToolDescriptor[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? (value as ToolDescriptor[]) : [];
  } catch {
    return [];
  }
}

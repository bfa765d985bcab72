import { selectCatalogRows, selectHostRows } from "../db/hosts";
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
  const rows = await selectHostRows(db, tenant_id);
  return rows.flatMap((row) => {
    const parsed = HostConfigSchema.safeParse(row);
    return parsed.success ? [parsed.data] : [];
  });
}

/** The stored tool lists of a tenant's hosts, by host id. */
export async function listCatalogRows(db: D1Database, tenant_id: string): Promise<Map<string, CatalogRow>> {
  const rows = new Map<string, CatalogRow>();
  for (const row of await selectCatalogRows(db, tenant_id))
    rows.set(row.host_id, { ...row, tools: parseTools(row.tools) });
  return rows;
}

function parseTools(json: string): ToolDescriptor[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? (value as ToolDescriptor[]) : [];
  } catch {
    return [];
  }
}

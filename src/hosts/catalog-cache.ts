import type { ToolDescriptor } from "./host";
import type { HostConfig } from "./host-config";

/** One host as the catalog cache holds it: its configuration and its last known tools. */
export interface CachedHost {
  config: HostConfig;
  tools: ToolDescriptor[];
  /** Epoch ms of the last fetch attempt (`-Infinity` when never tried); demo hosts never go stale. */
  checked_at: number;
  /** ISO time of the last successful fetch. */
  fetched_at: string | null;
  error: string | null;
}

/** A tenant's hosts as loaded from D1 at `loaded_at` (epoch ms). */
export interface TenantCatalog {
  loaded_at: number;
  hosts: Map<string, CachedHost>;
}

// Isolate memory, keyed by tenant. Holds plain values only: never a binding, a Host or a stream.
const catalogs = new Map<string, TenantCatalog>();

/** The isolate's cached catalog of a tenant, if any. */
export function cachedCatalog(tenant_id: string): TenantCatalog | undefined {
  return catalogs.get(tenant_id);
}

/** Keep a tenant's catalog in isolate memory. */
export function cacheCatalog(tenant_id: string, catalog: TenantCatalog): void {
  catalogs.set(tenant_id, catalog);
}

/** Drop a tenant's catalog from isolate memory. */
export function dropCatalog(tenant_id: string): void {
  catalogs.delete(tenant_id);
}

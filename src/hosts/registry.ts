import {
  deleteHost,
  saveFetchErrorStatement,
  saveToolsStatement,
  upsertHostStatement,
  type HostRow,
} from "../db/hosts";
import { cacheCatalog, cachedCatalog, dropCatalog, type CachedHost, type TenantCatalog } from "./catalog-cache";
import { createDemoHost, demoDescriptors, demoHostRef } from "./demo/demo-host";
import { demoHostDefinition } from "./demo/demo-hosts";
import { isDemoHostId } from "./demo/demo-ids";
import type { CircuitSettings, Host, ToolDescriptor } from "./host";
import { DEFAULT_TIMEOUT_MS, UpstreamHostInputSchema, type HostConfig, type UpstreamHostInput } from "./host-config";
import { listCatalogRows, listHostConfigs } from "./host-store";
import { checkUpstreamUrl, type UpstreamAddressPolicy } from "./upstream-address";
import { createUpstreamHost, listUpstreamToolsFor, upstreamHostRef } from "./upstream-mcp";
import { forgetSession } from "./upstream/upstream-session";

/** How long a tool list is trusted before it is fetched again, by default. */
export const DEFAULT_CATALOG_TTL_MS = 5 * 60_000;

/**
 * What the registry needs: the tenant data store, the Worker's secrets (by name), whether upstreams on private
 * addresses or plain http may be contacted (local dev only; false when absent), and an injectable clock.
 */
export interface HostRegistryDeps {
  db: D1Database;
  secrets: Record<string, unknown>;
  allowPrivateUpstreams?: boolean;
  now?: () => number;
  catalogTtlMs?: number;
}

/** A host and the state of its tool list, as the admin API shows it (never a secret's value). */
export interface HostStatus extends Omit<HostRow, "tenant_id" | "kind" | "circuit"> {
  kind: "demo" | "mcp";
  /** Its circuit-breaker settings where they differ from the defaults. */
  circuit?: CircuitSettings | null;
  host_ref: string;
  tool_count: number;
  fetched_at: string | null;
  error: string | null;
}

/** Why an upstream host was not registered. Nothing is stored in either case. */
export type RegisterHostError =
  { code: "invalid_host"; message: string } | { code: "host_unreachable"; message: string };

/** The answer of `registerUpstreamHost`. */
export type RegisterHostResult =
  { ok: true; host: HostStatus; tools: ToolDescriptor[] } | { ok: false; error: RegisterHostError };

/** A tool resolved for a call: the host that runs it and its catalog entry. */
export interface ResolvedTool {
  host: Host;
  descriptor: ToolDescriptor;
}

/** A tenant's hosts and their tools; build one per request (it holds that request's bindings). */
export interface HostRegistry {
  /** Every tool of the tenant's hosts, from the isolate cache; upstream lists older than the TTL are fetched again. */
  catalog(tenant_id: string): Promise<ToolDescriptor[]>;
  /** The host and descriptor for `host.tool`, or null. Never contacts an upstream. */
  resolve(tenant_id: string, name: string): Promise<ResolvedTool | null>;
  /** The tenant's hosts with the state of their tool lists. */
  listHosts(tenant_id: string): Promise<HostStatus[]>;
  /**
   * Add (or reconfigure) an upstream MCP host. Its URL must pass the address policy and its tool list is fetched
   * first; a refused URL, a missing secret or an unreachable host is an error and nothing is stored, so a registered
   * host always starts with a known tool list. Every way of not reaching a host gives one and the same message.
   */
  registerUpstreamHost(tenant_id: string, input: UpstreamHostInput): Promise<RegisterHostResult>;
  /** Remove a host and its cached tools; resolves to whether it existed. */
  removeHost(tenant_id: string, id: string): Promise<boolean>;
  /** Fetch every upstream host's tool list now, whatever its age, and return the tenant's catalog. */
  refresh(tenant_id: string): Promise<ToolDescriptor[]>;
  /** Forget this isolate's cached catalog of the tenant (the next read goes to D1). */
  invalidate(tenant_id: string): void;
}

/** The host registry over D1 `hosts` and `tool_catalog`, with an isolate-memory cache per tenant. */
export function createHostRegistry(deps: HostRegistryDeps): HostRegistry {
  const now = deps.now ?? Date.now;
  const ttl = deps.catalogTtlMs ?? DEFAULT_CATALOG_TTL_MS;
  const iso = () => new Date(now()).toISOString();
  const policy: UpstreamAddressPolicy = { allowPrivate: deps.allowPrivateUpstreams === true };

  async function load(tenant_id: string): Promise<TenantCatalog> {
    const [configs, rows] = await Promise.all([
      listHostConfigs(deps.db, tenant_id),
      listCatalogRows(deps.db, tenant_id),
    ]);
    const hosts = new Map<string, CachedHost>();
    for (const config of configs) {
      if (config.kind === "demo") {
        if (!isDemoHostId(config.id)) continue;
        const tools = demoDescriptors(demoHostDefinition(config.id));
        hosts.set(config.id, { config, tools, checked_at: Infinity, fetched_at: null, error: null });
      } else {
        const row = rows.get(config.id);
        hosts.set(config.id, {
          config,
          tools: row?.tools ?? [],
          checked_at: row ? Date.parse(row.checked_at) : -Infinity,
          fetched_at: row?.fetched_at ?? null,
          error: row?.error ?? null,
        });
      }
    }
    const catalog = { loaded_at: now(), hosts };
    cacheCatalog(tenant_id, catalog);
    return catalog;
  }

  async function current(tenant_id: string): Promise<TenantCatalog> {
    const cached = cachedCatalog(tenant_id);
    return cached && now() - cached.loaded_at < ttl ? cached : load(tenant_id);
  }

  async function refreshHosts(tenant_id: string, catalog: TenantCatalog, stale: CachedHost[]): Promise<void> {
    const at = iso();
    const refreshed = await Promise.all(
      stale.map(async (entry): Promise<CachedHost> => {
        const listed = await listUpstreamToolsFor(entry.config, deps.secrets, policy);
        return listed.ok
          ? { ...entry, tools: listed.tools, checked_at: now(), fetched_at: at, error: null }
          : { ...entry, checked_at: now(), error: listed.message };
      }),
    );
    for (const entry of refreshed) catalog.hosts.set(entry.config.id, entry);
    await deps.db.batch(
      refreshed.map((entry) =>
        entry.error === null
          ? saveToolsStatement(deps.db, tenant_id, entry.config.id, entry.tools, at)
          : saveFetchErrorStatement(deps.db, tenant_id, entry.config.id, entry.error, at),
      ),
    );
  }

  function tools(catalog: TenantCatalog): ToolDescriptor[] {
    return [...catalog.hosts.values()].flatMap((entry) => entry.tools);
  }

  function hostFor(tenant_id: string, config: HostConfig): Host {
    return config.kind === "demo" && isDemoHostId(config.id)
      ? createDemoHost(demoHostDefinition(config.id), deps.db, tenant_id)
      : createUpstreamHost(config, deps.secrets, policy);
  }

  function statusOf(entry: CachedHost): HostStatus {
    const { tenant_id: _tenant, ...config } = entry.config;
    return {
      ...config,
      host_ref: entry.config.kind === "demo" ? demoHostRef(entry.config.id) : upstreamHostRef(entry.config),
      tool_count: entry.tools.length,
      fetched_at: entry.fetched_at,
      error: entry.error,
    };
  }

  return {
    async catalog(tenant_id) {
      const catalog = await current(tenant_id);
      const stale = [...catalog.hosts.values()].filter((entry) => now() - entry.checked_at >= ttl);
      if (stale.length > 0) await refreshHosts(tenant_id, catalog, stale);
      return tools(catalog);
    },

    async resolve(tenant_id, name) {
      const dot = name.indexOf(".");
      if (dot <= 0) return null;
      const catalog = await current(tenant_id);
      const entry = catalog.hosts.get(name.slice(0, dot));
      const descriptor = entry?.tools.find((tool) => tool.name === name);
      return entry && descriptor ? { host: hostFor(tenant_id, entry.config), descriptor } : null;
    },

    async listHosts(tenant_id) {
      const catalog = await load(tenant_id);
      return [...catalog.hosts.values()].map(statusOf);
    },

    async registerUpstreamHost(tenant_id, input) {
      const parsed = UpstreamHostInputSchema.safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.join(".") || "host";
        return { ok: false, error: { code: "invalid_host", message: `${field} ${issue?.message ?? "is invalid"}` } };
      }
      const host = parsed.data;
      const address = checkUpstreamUrl(host.url, policy);
      if (!address.ok) return { ok: false, error: { code: "invalid_host", message: `url ${address.reason}` } };
      const config: HostConfig = {
        tenant_id,
        id: host.id,
        kind: "mcp",
        label: host.label ?? host.id,
        url: address.url,
        auth_secret: host.auth_secret ?? null,
        auth_header: host.auth_header ?? "Authorization",
        timeout_ms: host.timeout_ms ?? DEFAULT_TIMEOUT_MS,
        circuit: host.circuit ?? null,
        created_at: iso(),
      };
      if (config.auth_secret !== null && typeof deps.secrets[config.auth_secret] !== "string") {
        return {
          ok: false,
          error: { code: "invalid_host", message: `auth_secret ${config.auth_secret} is not a Worker secret` },
        };
      }
      forgetSession(config);
      const listed = await listUpstreamToolsFor(config, deps.secrets, policy);
      if (!listed.ok) return { ok: false, error: { code: "host_unreachable", message: unreachable(config) } };
      const at = iso();
      await deps.db.batch([
        upsertHostStatement(deps.db, { ...config, circuit: config.circuit ? JSON.stringify(config.circuit) : null }),
        saveToolsStatement(deps.db, tenant_id, config.id, listed.tools, at),
      ]);
      dropCatalog(tenant_id);
      const entry: CachedHost = { config, tools: listed.tools, checked_at: now(), fetched_at: at, error: null };
      return { ok: true, host: statusOf(entry), tools: listed.tools };
    },

    async removeHost(tenant_id, id) {
      const entry = (await current(tenant_id)).hosts.get(id);
      if (entry) forgetSession(entry.config);
      const removed = await deleteHost(deps.db, tenant_id, id);
      dropCatalog(tenant_id);
      return removed;
    },

    async refresh(tenant_id) {
      const catalog = await load(tenant_id);
      const upstream = [...catalog.hosts.values()].filter((entry) => entry.config.kind === "mcp");
      if (upstream.length > 0) await refreshHosts(tenant_id, catalog, upstream);
      return tools(catalog);
    },

    invalidate(tenant_id) {
      dropCatalog(tenant_id);
    },
  };
}

// One message for a refused connection, a timeout, a TLS failure, an HTTP error, garbage or a refusal of the
// credentials: what went wrong is not told, so registering cannot probe which ports of a host are open.
function unreachable(config: HostConfig): string {
  return `host ${config.id} could not be reached as an MCP server at ${new URL(config.url ?? "").host}: check the URL, that it serves MCP over Streamable HTTP, and its credentials`;
}

/**
 * What an upstream MCP host offers besides tools (resources, resource templates, prompts), asked over one connection
 * per exchange, in the era the host speaks (2025 through the 1.x SDK client, 2026-07-28 through the 2.x one). The same
 * guards as a tool call: the stored URL must pass the address policy, the host's own credential is sent (never the
 * agent's), answers are bounded, and no message quotes a secret.
 */
import type { HostConfig } from "../host-config";
import { listHostConfigs } from "../host-store";
import { checkUpstreamUrl, type UpstreamAddressPolicy } from "../upstream-address";
import { upstreamHostRef } from "../upstream-mcp";
import { authHeaders, withoutSecrets } from "./auth-headers";
import { excerpt } from "./host-failure";
import { connectInEra, type UpstreamConnection } from "./upstream-connection";

/** What asking an upstream needs: the tenant data store, the Worker's secrets, the address policy. */
export interface UpstreamFeatureDeps {
  db: D1Database;
  secrets: Record<string, unknown>;
  policy: UpstreamAddressPolicy;
}

/** An upstream's answer, or why there is none (a message safe to show the agent). */
export type Asked<T> = { ok: true; value: T; host_ref: string } | { ok: false; message: string };

/** A tenant's upstream MCP hosts, to ask for their resources and prompts. */
export interface UpstreamFeatures {
  /** The namespaces of the tenant's upstream MCP hosts. */
  hostIds(): Promise<string[]>;
  /** Connects to host `host_id` in the era it speaks and runs `use` with the connection (each request bounded). */
  ask<T>(host_id: string, use: (upstream: UpstreamConnection) => Promise<T>): Promise<Asked<T>>;
}

/** The upstream hosts of `tenant_id`, asked through the SDK client of each host's era. */
export function upstreamFeatures(deps: UpstreamFeatureDeps, tenant_id: string): UpstreamFeatures {
  let configs: Promise<HostConfig[]> | undefined;
  const upstreams = () =>
    (configs ??= listHostConfigs(deps.db, tenant_id).then((all) => all.filter((config) => config.kind === "mcp")));
  return {
    async hostIds() {
      return (await upstreams()).map((config) => config.id);
    },
    async ask(host_id, use) {
      const config = (await upstreams()).find((candidate) => candidate.id === host_id);
      if (!config) return { ok: false, message: `no host ${host_id}` };
      const address = checkUpstreamUrl(config.url ?? "", deps.policy);
      if (!address.ok) return { ok: false, message: `the URL of host ${config.id} ${address.reason}` };
      const auth = authHeaders(config, deps.secrets);
      if (!auth.ok) return { ok: false, message: auth.message };
      const failed = (error: unknown) => {
        const detail = error instanceof Error ? `: ${excerpt(withoutSecrets(error.message, auth.headers))}` : "";
        return { ok: false as const, message: `host ${config.id} did not answer${detail}` };
      };
      const connected = await connectInEra(config, auth.headers);
      if (!connected.ok) return failed(connected.error);
      try {
        return { ok: true, value: await use(connected.connection), host_ref: upstreamHostRef(config) };
      } catch (error) {
        return failed(error);
      } finally {
        await connected.close();
      }
    },
  };
}

/**
 * One connected exchange with an upstream MCP host for its resources and prompts, whichever era it speaks: the 1.x
 * SDK client for the 2025 era, the 2.x SDK client pinned to 2026-07-28 for a host that refuses that era
 * (src/hosts/upstream/modern-upstream.ts). Both clients satisfy {@link SdkFeatureClient}, so what serves resources
 * and prompts is written once, against {@link UpstreamConnection}.
 */
import {
  GetPromptResultSchema,
  ListPromptsResultSchema,
  ListResourcesResultSchema,
  ListResourceTemplatesResultSchema,
  ReadResourceResultSchema,
  type GetPromptResult,
  type ListPromptsResult,
  type ListResourcesResult,
  type ListResourceTemplatesResult,
  type ReadResourceResult,
} from "@modelcontextprotocol/sdk/types.js";
import type { HostConfig } from "../host-config";
import { isModern, MODERN_SESSION, modernClient } from "./modern-upstream";
import { refusedByHost } from "./refused-by-host";
import { upstreamClient } from "./upstream-client";
import { cachedSession, rememberSession } from "./upstream-session";

/** What serving resources and prompts asks of a connected host; every request carries the host's deadline. */
export interface UpstreamConnection {
  /** Whether the host declared resources, and prompts (a host that declares neither is not asked for them). */
  offers(): { resources: boolean; prompts: boolean };
  listResources(cursor: string | undefined): Promise<ListResourcesResult>;
  listResourceTemplates(cursor: string | undefined): Promise<ListResourceTemplatesResult>;
  readResource(uri: string): Promise<ReadResourceResult>;
  listPrompts(cursor: string | undefined): Promise<ListPromptsResult>;
  getPrompt(name: string, args: Record<string, string> | undefined): Promise<GetPromptResult>;
}

/** The methods of an MCP SDK client (1.x or 2.x) that resources and prompts use; `O` is its request options. */
export interface SdkFeatureClient<O> {
  getServerCapabilities(): { resources?: object; prompts?: object } | undefined;
  listResources(params: { cursor?: string }, options: O): Promise<unknown>;
  listResourceTemplates(params: { cursor?: string }, options: O): Promise<unknown>;
  readResource(params: { uri: string }, options: O): Promise<unknown>;
  listPrompts(params: { cursor?: string }, options: O): Promise<unknown>;
  getPrompt(params: { name: string; arguments?: Record<string, string> }, options: O): Promise<unknown>;
}

/**
 * `client` (connected) as an {@link UpstreamConnection}, each request sent with `options`. Answers are parsed with
 * the 1.x SDK's schemas whichever client read them, so both eras hand the gateway's servers the same shapes.
 */
export function connectionOver<O>(client: SdkFeatureClient<O>, options: O): UpstreamConnection {
  const page = (cursor: string | undefined) => (cursor === undefined ? {} : { cursor });
  return {
    offers() {
      const capabilities = client.getServerCapabilities();
      return { resources: Boolean(capabilities?.resources), prompts: Boolean(capabilities?.prompts) };
    },
    async listResources(cursor) {
      return ListResourcesResultSchema.parse(await client.listResources(page(cursor), options));
    },
    async listResourceTemplates(cursor) {
      return ListResourceTemplatesResultSchema.parse(await client.listResourceTemplates(page(cursor), options));
    },
    async readResource(uri) {
      return ReadResourceResultSchema.parse(await client.readResource({ uri }, options));
    },
    async listPrompts(cursor) {
      return ListPromptsResultSchema.parse(await client.listPrompts(page(cursor), options));
    },
    async getPrompt(name, args) {
      return GetPromptResultSchema.parse(
        await client.getPrompt({ name, ...(args ? { arguments: args } : {}) }, options),
      );
    },
  };
}

/** A connected exchange and how to end it, or what connecting threw (its message may quote the host's answer). */
export type Connected =
  { ok: true; connection: UpstreamConnection; close(): Promise<void> } | { ok: false; error: unknown };

/**
 * Connects to a host in the era this isolate knows it speaks; else in the 2025 era, then, when the host answered and
 * refused that, in 2026-07-28 (remembered for the host when it works). The first refusal is the one reported when
 * neither works, as for tool lists and calls.
 */
export async function connectInEra(config: HostConfig, auth: Record<string, string>): Promise<Connected> {
  if (isModern(cachedSession(config))) return connectModern(config, auth);
  const legacy = await connectLegacy(config, auth);
  if (legacy.ok || !refusedByHost(legacy.error)) return legacy;
  const modern = await connectModern(config, auth);
  if (!modern.ok) return legacy;
  if (!cachedSession(config)) rememberSession(config, MODERN_SESSION);
  return modern;
}

async function connectLegacy(config: HostConfig, auth: Record<string, string>): Promise<Connected> {
  const { client, transport } = upstreamClient(config, auth);
  const options = { timeout: config.timeout_ms, maxTotalTimeout: config.timeout_ms };
  return connectWith(client, () => client.connect(transport, options), options);
}

async function connectModern(config: HostConfig, auth: Record<string, string>): Promise<Connected> {
  const { client, transport } = modernClient(config, auth);
  // Each exchange has its own client, so the 2.x SDK's response cache could only serve stale answers.
  const options = { timeout: config.timeout_ms, maxTotalTimeout: config.timeout_ms, cacheMode: "bypass" as const };
  return connectWith(client, () => client.connect(transport, options), options);
}

async function connectWith<O>(
  client: SdkFeatureClient<O> & { close(): Promise<void> },
  connect: () => Promise<void>,
  options: O,
): Promise<Connected> {
  const close = () => client.close().catch(() => undefined);
  try {
    await connect();
    return { ok: true, connection: connectionOver(client, options), close };
  } catch (error) {
    await close();
    return { ok: false, error };
  }
}

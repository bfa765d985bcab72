/**
 * Upstream hosts that speak MCP 2026-07-28 only (stateless, no `initialize`: servers built on the 2.x SDK with
 * legacy requests refused). Policy OS speaks the 2025 era to a host first, as it always has; when the host refuses
 * that, it asks `server/discover` through the 2.x SDK client pinned to 2026-07-28 and, when the host offers it,
 * remembers the era for the host (src/hosts/upstream/upstream-session.ts) and speaks it from then on.
 */
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  Client,
  PROTOCOL_VERSION_META_KEY,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/client/validators/cf-worker";
import type { ToolDescriptor } from "../host";
import type { HostConfig } from "../host-config";
import { boundedResponse } from "./bounded-response";
import { excerpt, rejected, unavailable, type HostFailure } from "./host-failure";
import { CLIENT_INFO } from "./initialize-session";
import { federatedTools } from "./federated-tools";
import type { UpstreamSession } from "./upstream-session";

/** The MCP revision spoken to a host that refuses the 2025 era. */
export const MODERN_REVISION = "2026-07-28";

/** Whether a remembered session is the 2026-07-28 era (no session id; every request carries the envelope). */
export function isModern(session: UpstreamSession | undefined): boolean {
  return session?.protocol_version === MODERN_REVISION;
}

/** The session a 2026-07-28 host is spoken to with: the revision, and no session id (the era has none). */
export const MODERN_SESSION: UpstreamSession = { protocol_version: MODERN_REVISION, session_id: null };

/**
 * The per-request `_meta` envelope 2026-07-28 requires on every request (the 2.x SDK's keys): the revision, who
 * Policy OS is, and that it offers the host nothing back (no sampling, elicitation or roots).
 */
export function modernEnvelope(): Record<string, unknown> {
  return {
    [PROTOCOL_VERSION_META_KEY]: MODERN_REVISION,
    [CLIENT_INFO_META_KEY]: CLIENT_INFO,
    [CLIENT_CAPABILITIES_META_KEY]: {},
  };
}

/** A 2.x SDK client pinned to 2026-07-28 (no fallback), with the guards of every upstream exchange; not connected. */
export function modernClient(config: HostConfig, auth: Record<string, string>) {
  const client = new Client(CLIENT_INFO, {
    jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
    versionNegotiation: { mode: { pin: MODERN_REVISION } },
  });
  const transport = new StreamableHTTPClientTransport(new URL(config.url ?? ""), {
    fetch: async (url, init) =>
      boundedResponse(await globalThis.fetch(url, { ...init, redirect: "manual" }), init?.signal ?? undefined),
    requestInit: { headers: auth },
  });
  return { client, transport };
}

/**
 * The tools a 2026-07-28 host offers (all `tools/list` pages), federated under its namespace, with the session to
 * call them on; a message safe to show an admin when the host does not speak that revision or cannot be reached.
 */
export async function listModernTools(
  config: HostConfig,
  auth: Record<string, string>,
): Promise<{ ok: true; tools: ToolDescriptor[]; session: UpstreamSession } | { ok: false; message: string }> {
  const { client, transport } = modernClient(config, auth);
  const options = { timeout: config.timeout_ms, maxTotalTimeout: config.timeout_ms };
  try {
    await client.connect(transport, options);
    // The 2.x SDK's Tool has the 1.x fields toDescriptor reads.
    const tools = await federatedTools(config.id, client.getServerVersion()?.version, async (cursor) => {
      const page = await client.listTools(cursor === undefined ? {} : { cursor }, { ...options, cacheMode: "bypass" });
      return { tools: page.tools as unknown as Tool[], nextCursor: page.nextCursor };
    });
    return { ok: true, tools, session: MODERN_SESSION };
  } catch (error) {
    return { ok: false, message: describeFailure(config, error) };
  } finally {
    await client.close().catch(() => undefined);
  }
}

/**
 * Asks a host that refused the 2025 era's `initialize` whether it speaks 2026-07-28 (`server/discover`, through the
 * 2.x SDK client): the session to call it on, or why not. Throws nothing.
 */
export async function discoverModern(
  config: HostConfig,
  auth: Record<string, string>,
  signal: AbortSignal,
): Promise<{ ok: true; session: UpstreamSession } | { ok: false; error: HostFailure }> {
  const { client, transport } = modernClient(config, auth);
  try {
    await client.connect(transport, { signal, timeout: config.timeout_ms });
    return { ok: true, session: MODERN_SESSION };
  } catch (error) {
    const message = describeFailure(config, error);
    return { ok: false, error: error instanceof SdkHttpError ? rejected(message) : unavailable(message) };
  } finally {
    await client.close().catch(() => undefined);
  }
}

// The SDK's messages can quote response bodies; keep only what is safe and useful to show an admin.
function describeFailure(config: HostConfig, error: unknown): string {
  if (error instanceof SdkHttpError) {
    const status = error.status;
    if (status === 401 || status === 403)
      return `host ${config.id} refused the configured credentials (HTTP ${status})`;
    return `host ${config.id} answered HTTP ${status} to MCP ${MODERN_REVISION}`;
  }
  if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout)
    return `host ${config.id} did not answer within ${config.timeout_ms} ms`;
  if (error instanceof Error)
    return `host ${config.id} does not speak MCP ${MODERN_REVISION}: ${excerpt(error.message, 200)}`;
  return `host ${config.id} could not be reached`;
}

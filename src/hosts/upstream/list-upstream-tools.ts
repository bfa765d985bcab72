import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { ToolDescriptor } from "../host";
import type { HostConfig } from "../host-config";
import { excerpt } from "./host-failure";
import { refusedByHost } from "./refused-by-host";
import { federatedTools } from "./federated-tools";
import { upstreamClient } from "./upstream-client";
import type { UpstreamSession } from "./upstream-session";

/**
 * The tools an upstream offers (all `tools/list` pages) in the 2025 era, federated under its namespace, plus the
 * session it opened; `refused` when the host answered and refused (not its credentials): it may speak 2026-07-28.
 */
export async function listUpstreamTools(
  config: HostConfig,
  auth: Record<string, string>,
): Promise<
  | { ok: true; tools: ToolDescriptor[]; session: UpstreamSession | null }
  | { ok: false; message: string; refused: boolean }
> {
  const { client, transport } = upstreamClient(config, auth);
  const options = { timeout: config.timeout_ms, maxTotalTimeout: config.timeout_ms };
  try {
    await client.connect(transport, options);
    const tools = await federatedTools(config.id, client.getServerVersion()?.version, (cursor) =>
      client.listTools(cursor === undefined ? {} : { cursor }, options),
    );
    const session =
      transport.protocolVersion === undefined
        ? null
        : { protocol_version: transport.protocolVersion, session_id: transport.sessionId ?? null };
    return { ok: true, tools, session };
  } catch (error) {
    return { ok: false, message: describeListFailure(config, error), refused: refusedByHost(error) };
  } finally {
    await client.close().catch(() => undefined);
  }
}

// The SDK's messages can quote response bodies; keep only what is safe and useful to show an admin.
function describeListFailure(config: HostConfig, error: unknown): string {
  if (error instanceof StreamableHTTPError && error.code !== undefined && error.code > 0) {
    const status = error.code;
    if (status === 401 || status === 403)
      return `host ${config.id} refused the configured credentials (HTTP ${status})`;
    return `host ${config.id} answered HTTP ${status} while listing tools`;
  }
  if (error instanceof McpError) {
    if (error.code === ErrorCode.RequestTimeout)
      return `host ${config.id} did not answer within ${config.timeout_ms} ms`;
    return `host ${config.id} refused to list its tools: ${excerpt(error.message)}`;
  }
  return `host ${config.id} could not be reached to list its tools`;
}

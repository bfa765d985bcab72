import {
  InitializeResultSchema,
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "@modelcontextprotocol/sdk/types.js";
import type { HostConfig } from "../host-config";
import { excerpt, failureForStatus, rejected, unavailable, type HostFailure } from "./host-failure";
import { postRpc } from "./post-rpc";
import { readRpcResponse, TOO_LARGE } from "./read-rpc-response";
import type { UpstreamSession } from "./upstream-session";

/** Who Policy OS says it is to upstream servers. */
export const CLIENT_INFO = { name: "policy-os", version: "0.1.0" } as const;

const INITIALIZE_ID = "policy-os-initialize";

/**
 * `initialize` then `notifications/initialized`: the protocol version and session id later calls send.
 * Throws only what fetch throws (network errors, aborts).
 */
export async function initializeSession(
  config: HostConfig,
  auth: Record<string, string>,
  signal: AbortSignal,
): Promise<{ ok: true; session: UpstreamSession } | { ok: false; error: HostFailure }> {
  const response = await postRpc(
    config,
    {
      jsonrpc: "2.0",
      id: INITIALIZE_ID,
      method: "initialize",
      params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT_INFO },
    },
    { auth },
    signal,
  );
  if (!response.ok) {
    await response.body?.cancel();
    return { ok: false, error: failureForStatus(response.status, config.id) };
  }
  const read = await readRpcResponse(response, INITIALIZE_ID, signal);
  const answer = read === TOO_LARGE ? null : read;
  if (!answer) return { ok: false, error: unavailable(`host ${config.id} did not answer initialize`) };
  if (answer.error) {
    return {
      ok: false,
      error: rejected(`host ${config.id} refused initialize: ${excerpt(String(answer.error.message))}`),
    };
  }
  const result = InitializeResultSchema.safeParse(answer.result);
  if (!result.success) return { ok: false, error: rejected(`host ${config.id} sent a malformed initialize result`) };
  const protocol_version = result.data.protocolVersion;
  if (!SUPPORTED_PROTOCOL_VERSIONS.includes(protocol_version)) {
    return {
      ok: false,
      error: rejected(`host ${config.id} speaks unsupported MCP version ${excerpt(protocol_version, 40)}`),
    };
  }
  const session: UpstreamSession = { protocol_version, session_id: response.headers.get("mcp-session-id") };
  const initialized = await postRpc(
    config,
    { jsonrpc: "2.0", method: "notifications/initialized" },
    { auth, session },
    signal,
  );
  await initialized.body?.cancel();
  if (!initialized.ok) return { ok: false, error: failureForStatus(initialized.status, config.id) };
  return { ok: true, session };
}

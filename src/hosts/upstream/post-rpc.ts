import { boundedResponse } from "./bounded-response";
import type { HostConfig } from "../host-config";
import type { UpstreamSession } from "./upstream-session";

/** Headers every request to an upstream carries besides the auth header. */
export interface RpcHeaders {
  auth: Record<string, string>;
  session?: UpstreamSession;
  invocation_id?: string;
}

/** POST one JSON-RPC message to the host's endpoint, its answer's body bounded; throws only what fetch throws. */
export async function postRpc(
  config: HostConfig,
  message: unknown,
  headers: RpcHeaders,
  signal: AbortSignal,
): Promise<Response> {
  const sent: Record<string, string> = {
    ...headers.auth,
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
  };
  if (headers.session) {
    sent["MCP-Protocol-Version"] = headers.session.protocol_version;
    if (headers.session.session_id) sent["Mcp-Session-Id"] = headers.session.session_id;
  }
  if (headers.invocation_id) sent["X-Policy-OS-Invocation-Id"] = headers.invocation_id;
  const response = await globalThis.fetch(config.url ?? "", {
    method: "POST",
    headers: sent,
    body: JSON.stringify(message),
    signal,
    redirect: "manual",
  });
  return boundedResponse(response, signal);
}

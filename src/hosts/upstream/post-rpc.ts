import { isModern, modernEnvelope } from "./modern-upstream";
import type { HostConfig } from "../host-config";
import type { UpstreamSession } from "./upstream-session";

/** Headers every request to an upstream carries besides the auth header. */
export interface RpcHeaders {
  auth: Record<string, string>;
  session?: UpstreamSession;
  invocation_id?: string;
}

/**
 * POST one JSON-RPC message to the host's endpoint; throws only what fetch throws. Its answer's body is read with
 * src/hosts/upstream/read-rpc-response.ts, within a size bound and the deadline. On a 2026-07-28 session a request
 * carries that era's `_meta` envelope and its `Mcp-Method` / `Mcp-Name` headers.
 */
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
  let body = message;
  if (headers.session) {
    sent["MCP-Protocol-Version"] = headers.session.protocol_version;
    if (headers.session.session_id) sent["Mcp-Session-Id"] = headers.session.session_id;
    if (isModern(headers.session)) {
      const request = message as { method: string; params?: { name?: unknown; _meta?: Record<string, unknown> } };
      sent["Mcp-Method"] = request.method;
      if (typeof request.params?.name === "string") sent["Mcp-Name"] = request.params.name;
      body = { ...request, params: { ...request.params, _meta: { ...modernEnvelope(), ...request.params?._meta } } };
    }
  }
  if (headers.invocation_id) sent["X-Policy-OS-Invocation-Id"] = headers.invocation_id;
  return globalThis.fetch(config.url ?? "", {
    method: "POST",
    headers: sent,
    body: JSON.stringify(body),
    signal,
    redirect: "manual",
  });
}

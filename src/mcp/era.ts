import { isLegacyRequest } from "@modelcontextprotocol/server";

/**
 * Whether an MCP POST speaks the 2026-07-28 era (a per-request `_meta` envelope, no initialize) rather than a 2025
 * one (2025-06-18, 2025-11-25: initialize, then requests without the envelope). The 2.x SDK's own classification, so
 * the branch never disagrees with the server that answers it; `body` is the request's parsed JSON.
 * @example await isModernMcpRequest(request, { jsonrpc: "2.0", id: 1, method: "initialize", params }) // false
 */
export async function isModernMcpRequest(request: Request, body: unknown): Promise<boolean> {
  return !(await isLegacyRequest(request, body));
}

import { isLegacyRequest, PROTOCOL_VERSION_META_KEY } from "@modelcontextprotocol/server";

/**
 * The revision the 2.x server speaks beside the 2025 ones (the SDK does not export it: its SUPPORTED_PROTOCOL_VERSIONS
 * lists the initialize-era revisions only). An MCP-Protocol-Version header naming it claims the new era.
 */
export const MODERN_REVISION = "2026-07-28";

/**
 * Whether an MCP POST speaks the 2026-07-28 era (a per-request `_meta` envelope, no initialize) rather than a 2025
 * one (2025-06-18, 2025-11-25: initialize, then requests without the envelope). The 2.x SDK's own classification
 * decides, and the request must also claim the new era itself (the envelope's protocol version in `_meta`, or an
 * MCP-Protocol-Version header naming 2026-07-28): a malformed 2025 request, such as one whose `params` or `_meta` is
 * not an object or whose header names no revision at all, stays with the 2025 server and gets the refusal it always
 * got. `body` is the parsed JSON.
 * @example await isModernMcpRequest(request, { jsonrpc: "2.0", id: 1, method: "initialize", params }) // false
 */
export async function isModernMcpRequest(request: Request, body: unknown): Promise<boolean> {
  if (!claimsModernEra(request.headers.get("mcp-protocol-version"), body)) return false;
  return !(await isLegacyRequest(request, body));
}

function claimsModernEra(header: string | null, body: unknown): boolean {
  if (header === MODERN_REVISION) return true;
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  const params = (body as { params?: unknown }).params;
  const meta = typeof params === "object" && params !== null ? (params as { _meta?: unknown })._meta : undefined;
  return typeof meta === "object" && meta !== null && Object.hasOwn(meta, PROTOCOL_VERSION_META_KEY);
}

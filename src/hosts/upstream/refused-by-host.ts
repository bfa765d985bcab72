import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";

/**
 * Whether what the 1.x SDK client threw means the host answered and refused the 2025 era (an HTTP 4xx other than its
 * credentials' 401/403, or a JSON-RPC error): such a host may speak 2026-07-28. A host down or slow is not refused.
 */
export function refusedByHost(error: unknown): boolean {
  if (error instanceof StreamableHTTPError)
    return (
      error.code !== undefined && error.code >= 400 && error.code < 500 && error.code !== 401 && error.code !== 403
    );
  return error instanceof McpError && error.code !== ErrorCode.RequestTimeout;
}

/** A JSON-RPC error response body (used for protocol-level refusals on /mcp). */
export function jsonRpcError(
  code: number,
  message: string,
  data?: Record<string, unknown>,
  id: string | number | null = null,
) {
  return { jsonrpc: "2.0" as const, id, error: { code, message, ...(data ? { data } : {}) } };
}

/** A structured error body for the admin API: `{ error: { code, message, details? } }`. */
export function apiError(code: string, message: string, details?: unknown) {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

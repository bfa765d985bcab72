import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

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

/**
 * A refusal of an API call: its status, a stable `code` clients branch on, a public `message` and optional
 * `details`. Handlers and middleware throw it; `app.onError` (src/app.ts) answers with {@link apiError}'s body.
 *
 * @example throw new ApiError(404, "tenant_not_found", `No tenant "${id}".`)
 */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(status, { message });
    this.name = "ApiError";
  }

  /** The JSON body the client receives. */
  get body() {
    return apiError(this.code, this.message, this.details);
  }

  /** The response on its own, as hono's `HTTPException` contract has it. */
  override getResponse(): Response {
    return Response.json(this.body, { status: this.status });
  }
}

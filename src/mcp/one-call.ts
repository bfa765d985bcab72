import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { isJsonContentType } from "@modelcontextprotocol/sdk/shared/mediaType.js";
import { JSONRPCRequestSchema, type JSONRPCMessage, type JSONRPCRequest } from "@modelcontextprotocol/sdk/types.js";

/**
 * The one `tools/call` a POST carries when the Streamable HTTP transport would take it as it is: a single JSON-RPC
 * request (not a batch) that its message schema accepts, with the Accept and Content-Type headers it requires. Null
 * for anything else (a batch, a notification, another method, a header it would refuse), which keeps going through the
 * SDK's transport and gets its answers. `body` is the parsed JSON, already past `requestShapeRefusal`.
 * @example oneToolCall(request, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "crm.find" } })
 */
export function oneToolCall(request: Request, body: unknown): JSONRPCRequest | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return null;
  if ((body as { method?: unknown }).method !== "tools/call") return null;
  const accept = request.headers.get("accept");
  if (!accept?.includes("application/json") || !accept.includes("text/event-stream")) return null;
  if (!isJsonContentType(request.headers.get("content-type"))) return null;
  const parsed = JSONRPCRequestSchema.safeParse(body);
  return parsed.success ? parsed.data : null;
}

/**
 * A transport for one request already checked by {@link oneToolCall}: hands it to the SDK's server, and answers the
 * server's response to it as the Streamable HTTP transport does in JSON mode (200, `application/json`, the JSON-RPC
 * result or error). It skips what that transport does for every POST and a lone request does not need (the message
 * union's parse, the stream bookkeeping, a copy of the headers); the server, its schemas and handlers are the same.
 * Anything else the server sends during the call (a notification) is dropped, as that transport drops it in JSON mode.
 */
export class OneCallTransport implements Transport {
  onmessage?: Transport["onmessage"];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  readonly #request: JSONRPCRequest;
  #answer: (message: JSONRPCMessage) => void = () => {};
  readonly #answered = new Promise<JSONRPCMessage>((resolve) => (this.#answer = resolve));

  constructor(request: JSONRPCRequest) {
    this.#request = request;
  }

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    if (("result" in message || "error" in message) && message.id === this.#request.id) this.#answer(message);
  }

  async close(): Promise<void> {
    this.onclose?.();
  }

  /** Delivers the request to the connected server and resolves with the HTTP response carrying its answer. */
  async answer(): Promise<Response> {
    this.onmessage?.(this.#request);
    const message = await this.#answered;
    return new Response(JSON.stringify(message), { status: 200, headers: { "Content-Type": "application/json" } });
  }
}

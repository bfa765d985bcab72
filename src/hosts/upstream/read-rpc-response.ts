/** A JSON-RPC response as it came off the wire (not yet validated). */
export interface RpcResponse {
  id: string | number | null;
  result?: unknown;
  error?: { code?: unknown; message?: unknown };
}

/**
 * The JSON-RPC response with `id` from a Streamable HTTP answer: a JSON body (one message or a batch) or an SSE
 * stream, read only until that response arrives. Null when the answer holds no such response.
 */
export async function readRpcResponse(response: Response, id: string | number): Promise<RpcResponse | null> {
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("text/event-stream")) return readSse(response, id);
  const body: unknown = await response.json().catch(() => null);
  return matching(body, id);
}

function matching(body: unknown, id: string | number): RpcResponse | null {
  const messages = Array.isArray(body) ? body : [body];
  for (const message of messages) {
    if (message && typeof message === "object" && (message as RpcResponse).id === id) {
      if ("result" in message || "error" in message) return message as RpcResponse;
    }
  }
  return null;
}

async function readSse(response: Response, id: string | number): Promise<RpcResponse | null> {
  if (!response.body) return null;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (value) buffer += value.replace(/\r\n?/g, "\n");
      let end = buffer.indexOf("\n\n");
      while (end !== -1) {
        const found = eventMessage(buffer.slice(0, end), id);
        if (found) return found;
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf("\n\n");
      }
      if (done) return eventMessage(buffer, id);
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

function eventMessage(event: string, id: string | number): RpcResponse | null {
  let name = "message";
  const data: string[] = [];
  for (const line of event.split("\n")) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
  }
  if (name !== "message" || data.length === 0) return null;
  try {
    return matching(JSON.parse(data.join("\n")), id);
  } catch {
    return null;
  }
}

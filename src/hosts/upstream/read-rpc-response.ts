import { MAX_UPSTREAM_ANSWER_BYTES } from "./bounded-response";

/** A JSON-RPC response as it came off the wire (not yet validated). */
export interface RpcResponse {
  id: string | number | null;
  result?: unknown;
  error?: { code?: unknown; message?: unknown };
}

/**
 * The most bytes of an upstream answer read before it is refused: four times a result's bound
 * (MAX_RESULT_CHARS in src/pipeline/result-limits.ts), since an answer carries its result as text and as
 * structuredContent, escaped. A larger answer is never buffered whole.
 */
export const MAX_ANSWER_BYTES = 4_000_000;

/** What {@link readRpcResponse} says of an answer larger than {@link MAX_ANSWER_BYTES}. */
export const TOO_LARGE = "too_large";

/**
 * The JSON-RPC response with `id` from a Streamable HTTP answer: a JSON body (one message or a batch) or an SSE
 * stream, read only until that response arrives. Null when the answer holds no such response, {@link TOO_LARGE}
 * when it passes {@link MAX_ANSWER_BYTES} first. Reading stops when `signal` aborts, so a host that starts an answer
 * and never finishes it cannot hold the call past its deadline (an SSE stream throws its reason; a JSON body reads as
 * null, as does one that breaks off).
 */
export async function readRpcResponse(
  response: Response,
  id: string | number,
  signal?: AbortSignal,
): Promise<RpcResponse | null | typeof TOO_LARGE> {
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("text/event-stream")) return readSse(response, id, signal);
  const text = await boundedText(response, signal).catch(() => null);
  if (text === TOO_LARGE || text === null) return text;
  try {
    return matching(JSON.parse(text), id);
  } catch {
    return null;
  }
}

/**
 * The body as text, or {@link TOO_LARGE} as soon as it passes {@link MAX_ANSWER_BYTES} (the rest is not read); throws
 * `signal`'s reason when it aborts first.
 */
export async function boundedText(response: Response, signal?: AbortSignal): Promise<string | typeof TOO_LARGE> {
  if (!response.body) return "";
  if (Number(response.headers.get("content-length") ?? 0) > MAX_ANSWER_BYTES) {
    await response.body.cancel();
    return TOO_LARGE;
  }
  const body = bodyText(response.body, signal);
  let text = "";
  try {
    for (let chunk = await body.next(); chunk !== null; chunk = await body.next()) {
      text += chunk;
      // UTF-16 units, not bytes: a bound in the same order, checked without encoding anything again.
      if (text.length > MAX_ANSWER_BYTES) return TOO_LARGE;
    }
    return text;
  } finally {
    body.stop();
  }
}

/**
 * Reads a body as text chunk by chunk, straight off its own stream (no stream wrapped around it, no decoder stream
 * piped behind it: an answer is read once). `next` gives the next chunk, or null at the end; it throws once more than
 * {@link MAX_UPSTREAM_ANSWER_BYTES} have arrived in all (a stream that never answers), and `signal`'s reason when it
 * aborts first.
 */
function bodyText(body: ReadableStream<Uint8Array>, signal?: AbortSignal) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const aborted = signal ? abortOf(signal) : null;
  let received = 0;
  return {
    async next(): Promise<string | null> {
      const { value, done } = await (aborted ? Promise.race([reader.read(), aborted]) : reader.read());
      if (done) return decoder.decode() || null;
      received += value.byteLength;
      if (received > MAX_UPSTREAM_ANSWER_BYTES)
        throw new Error(`the answer is larger than ${MAX_UPSTREAM_ANSWER_BYTES} bytes`);
      return decoder.decode(value, { stream: true });
    },
    stop: () => void reader.cancel().catch(() => undefined),
  };
}

/** A promise that rejects with `signal`'s reason once it aborts (never resolves). */
function abortOf(signal: AbortSignal): Promise<never> {
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => undefined);
  return aborted;
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

async function readSse(
  response: Response,
  id: string | number,
  signal?: AbortSignal,
): Promise<RpcResponse | null | typeof TOO_LARGE> {
  if (!response.body) return null;
  const body = bodyText(response.body, signal);
  let buffer = "";
  try {
    for (;;) {
      const chunk = await body.next();
      if (chunk !== null) buffer += chunk.replace(/\r\n?/g, "\n");
      if (buffer.length > MAX_ANSWER_BYTES) return TOO_LARGE;
      let end = buffer.indexOf("\n\n");
      while (end !== -1) {
        const found = eventMessage(buffer.slice(0, end), id);
        if (found) return found;
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf("\n\n");
      }
      if (chunk === null) return eventMessage(buffer, id);
    }
  } finally {
    body.stop();
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

import { describe, expect, it } from "vitest";
import { MAX_ANSWER_BYTES, readRpcResponse, TOO_LARGE } from "../../src/hosts/upstream/read-rpc-response";

const message = (text: string) =>
  `{"jsonrpc":"2.0","id":7,"result":{"content":[],"structuredContent":{"t":"${text}"}}}`;

/** A body streamed in 64 KB chunks without a Content-Length, as a chunked upstream answer arrives. */
function streamed(text: string, type: string): Response {
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= text.length) return controller.close();
      controller.enqueue(new TextEncoder().encode(text.slice(offset, (offset += 65_536))));
    },
  });
  return new Response(body, { headers: { "content-type": type } });
}

describe("reading an upstream answer with a bound", () => {
  it.each([
    ["a JSON body", "application/json", message("ok")],
    ["an SSE stream", "text/event-stream", `event: message\ndata: ${message("ok")}\n\n`],
  ])("reads %s within the bound", async (_label, type, text) => {
    const answer = await readRpcResponse(streamed(text, type), 7);
    expect(answer).toMatchObject({ id: 7, result: { structuredContent: { t: "ok" } } });
  });

  it.each([
    ["a JSON body with no Content-Length", "application/json", message("a".repeat(MAX_ANSWER_BYTES))],
    ["an SSE stream", "text/event-stream", `event: message\ndata: ${message("a".repeat(MAX_ANSWER_BYTES))}\n\n`],
  ])("stops reading %s past the bound", async (_label, type, text) => {
    expect(await readRpcResponse(streamed(text, type), 7)).toBe(TOO_LARGE);
  });

  it("refuses a body whose Content-Length is past the bound without reading it", async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(1024));
      },
    });
    const response = new Response(body, {
      headers: { "content-type": "application/json", "content-length": String(MAX_ANSWER_BYTES + 1) },
    });
    expect(await readRpcResponse(response, 7)).toBe(TOO_LARGE);
    expect(pulled).toBeLessThanOrEqual(1);
  });

  it.each([
    ["a JSON body", "application/json", message("é ✓ 😀")],
    ["an SSE stream", "text/event-stream", `event: message\ndata: ${message("é ✓ 😀")}\n\n`],
  ])("reads %s whose characters are split between chunks", async (_label, type, text) => {
    const bytes = new TextEncoder().encode(text);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 3) controller.enqueue(bytes.slice(at, at + 3));
        controller.close();
      },
    });
    const answer = await readRpcResponse(new Response(body, { headers: { "content-type": type } }), 7);
    expect(answer).toMatchObject({ result: { structuredContent: { t: "é ✓ 😀" } } });
  });

  it("gives up on an SSE stream that never answers once the deadline passes, with the deadline's reason", async () => {
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new TextEncoder().encode(": still thinking\n\n")),
    });
    const response = new Response(body, { headers: { "content-type": "text/event-stream" } });
    const deadline = AbortSignal.timeout(50);
    await expect(readRpcResponse(response, 7, deadline)).rejects.toMatchObject({ name: "TimeoutError" });
  });

  it("reads a JSON body that never finishes as no answer once the deadline passes", async () => {
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new TextEncoder().encode('{"jsonrpc":"2.0","id":7,')),
    });
    const response = new Response(body, { headers: { "content-type": "application/json" } });
    expect(await readRpcResponse(response, 7, AbortSignal.timeout(50))).toBeNull();
  });
});

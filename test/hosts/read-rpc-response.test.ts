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
});

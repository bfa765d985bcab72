import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error plain ESM helper shared with the scripts and the CLI
import { retryingDevProxy } from "../../scripts/dev-proxy-retry.mjs";

/** A local server answering each request with the next of `answers`, counting what it received. */
async function serverAnswering(answers: { status: number; body: string }[]) {
  const received: string[] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk));
    request.on("end", () => {
      received.push(body);
      const answer = answers[Math.min(received.length - 1, answers.length - 1)]!;
      response.writeHead(answer.status).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/mcp`, received, close: () => server.close() };
}

const DROPPED = { status: 503, body: "Your worker restarted mid-request. Please try sending the request again." };
const OK = { status: 200, body: "done" };
let close = () => {};
afterEach(() => close());

describe("requests to a Worker behind wrangler dev's proxy", () => {
  it("sends a POST the proxy could not deliver once more, with the same body", async () => {
    const server = await serverAnswering([DROPPED, OK]);
    close = server.close;
    const response = await retryingDevProxy(fetch)(server.url, { method: "POST", body: '{"id":1}' });
    expect([response.status, await response.text()]).toEqual([200, "done"]);
    expect(server.received).toEqual(['{"id":1}', '{"id":1}']);
  });

  it("sends it only once more: a second drop reaches the caller", async () => {
    const server = await serverAnswering([DROPPED, DROPPED, OK]);
    close = server.close;
    const response = await retryingDevProxy(fetch)(server.url, { method: "POST", body: "{}" });
    expect(response.status).toBe(503);
    expect(server.received).toHaveLength(2);
  });

  it("leaves any other 503 to the caller, unsent again", async () => {
    const server = await serverAnswering([{ status: 503, body: "upstream unavailable" }, OK]);
    close = server.close;
    const response = await retryingDevProxy(fetch)(server.url, { method: "POST", body: "{}" });
    expect([response.status, await response.text()]).toEqual([503, "upstream unavailable"]);
    expect(server.received).toHaveLength(1);
  });

  it("does not send a streamed body twice", async () => {
    const server = await serverAnswering([DROPPED, OK]);
    close = server.close;
    const body = new Request("http://x", { method: "POST", body: "{}" }).body;
    const response = await retryingDevProxy(fetch)(server.url, { method: "POST", body, duplex: "half" } as RequestInit);
    expect(response.status).toBe(503);
    expect(server.received).toHaveLength(1);
  });
});

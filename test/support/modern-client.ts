import { SELF } from "cloudflare:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/client/validators/cf-worker";
import type { Outcome } from "../../src/pipeline/outcome";
import { BASE } from "./worker";

/** The MCP revision the 2.x SDK client is pinned to in these tests. */
export const MODERN = "2026-07-28";

/** A real 2.x MCP SDK client, pinned to MCP 2026-07-28 (no fallback), connected to the Worker's /mcp. */
export async function connectModern(key: string, capabilities: Record<string, unknown> = {}): Promise<Client> {
  const client = new Client(
    { name: "policy-os-tests-2026", version: "2.0.0" },
    {
      versionNegotiation: { mode: { pin: MODERN } },
      jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
      capabilities,
    },
  );
  const transport = new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
    fetch: (url, init) => SELF.fetch(url as string, init as RequestInit),
  });
  await client.connect(transport);
  return client;
}

/** Calls a tool over the 2026 era and returns the outcome contract, the sentence and isError. */
export async function callModern(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  meta?: Record<string, unknown>,
) {
  const result = await client.callTool({ name, arguments: args, ...(meta ? { _meta: meta } : {}) });
  const content = result.content as { type: string; text: string }[];
  return {
    outcome: result.structuredContent as unknown as Outcome,
    text: content[0]!.text,
    isError: result.isError === true,
  };
}

/** The Tasks extension a client declares in its per-request capabilities. */
export const TASKS = { extensions: { "io.modelcontextprotocol/tasks": {} } };

let rawId = 0;

/**
 * One MCP 2026-07-28 request POSTed as a client on that revision sends it (the `_meta` envelope and the standard
 * headers), returning the JSON-RPC answer. The 2.x SDK client has no Tasks support yet (it refuses a `task` result),
 * so the Tasks tests speak the extension's tools/call this way; everything else uses the SDK client.
 */
export async function modernRequest(
  key: string,
  method: string,
  params: Record<string, unknown> = {},
  capabilities: Record<string, unknown> = {},
): Promise<{ status: number; body: any }> {
  const name = typeof params.name === "string" ? params.name : typeof params.taskId === "string" ? params.taskId : null;
  const response = await SELF.fetch(`${BASE}/mcp`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": MODERN,
      "mcp-method": method,
      ...(name !== null ? { "mcp-name": name } : {}),
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: ++rawId,
      method,
      params: {
        ...params,
        _meta: {
          ...(params._meta as object | undefined),
          "io.modelcontextprotocol/protocolVersion": MODERN,
          "io.modelcontextprotocol/clientInfo": { name: "tasks-client", version: "1.0.0" },
          "io.modelcontextprotocol/clientCapabilities": capabilities,
        },
      },
    }),
  });
  const text = await response.text();
  // A single JSON body, or one SSE message event carrying it.
  const json = text.startsWith("{") ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? "null");
  return { status: response.status, body: JSON.parse(json) };
}

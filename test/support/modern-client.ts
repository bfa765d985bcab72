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

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import type { HostConfig } from "../host-config";
import { boundedResponse } from "./bounded-response";
import { CLIENT_INFO } from "./initialize-session";

/**
 * An SDK client and its transport for one exchange with an upstream (not yet connected): answers are read within
 * the size bound, redirects are failures (never followed: one could point at an address the URL check would refuse),
 * and the host's own credential is sent, never the agent's.
 */
export function upstreamClient(
  config: HostConfig,
  auth: Record<string, string>,
): { client: Client; transport: StreamableHTTPClientTransport } {
  const client = new Client(CLIENT_INFO, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
  const transport = new StreamableHTTPClientTransport(new URL(config.url ?? ""), {
    fetch: async (url, init) =>
      boundedResponse(await globalThis.fetch(url, { ...init, redirect: "manual" }), init?.signal ?? undefined),
    requestInit: { headers: auth },
  });
  return { client, transport };
}

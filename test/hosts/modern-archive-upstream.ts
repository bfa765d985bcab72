import { createMcpHandler, McpServer, ResourceTemplate } from "@modelcontextprotocol/server";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/server/validators/cf-worker";
import { http, type HttpHandler } from "msw";
import { z } from "zod";

/**
 * A real MCP server on the 2.x SDK (@modelcontextprotocol/server 2.4) that speaks only 2026-07-28 (stateless, no
 * initialize: 2025-era requests are refused), served through msw at `url`, offering resources, a resource template
 * and prompts besides one tool; reading `notes://broken/1` fails. `reads` counts the resources it read, by URI.
 */
export function createModernArchive(url: string): { handlers: HttpHandler[]; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const read = (uri: string, text: string) => {
    reads.set(uri, (reads.get(uri) ?? 0) + 1);
    return { contents: [{ uri, mimeType: "text/plain", text }] };
  };
  const build = () => {
    const server = new McpServer(
      { name: "archive", version: "2.4.0" },
      { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
    );
    server.registerTool(
      "count",
      { description: "How many notes the archive holds.", annotations: { readOnlyHint: true } },
      async () => ({ content: [{ type: "text", text: "3 notes" }] }),
    );
    server.registerResource("public_note", "notes://public/1", { mimeType: "text/plain" }, async (uri) =>
      read(uri.href, "The public note."),
    );
    server.registerResource("private_note", "notes://private/1", { mimeType: "text/plain" }, async (uri) =>
      read(uri.href, "The private note."),
    );
    server.registerResource("broken_note", "notes://broken/1", { mimeType: "text/plain" }, async () => {
      throw new Error("the archive's disk is unreadable");
    });
    server.registerResource(
      "public_by_id",
      new ResourceTemplate("notes://public/{id}", { list: undefined }),
      { mimeType: "text/plain" },
      async (uri, { id }) => read(uri.href, `Public note ${String(id)}.`),
    );
    server.registerPrompt(
      "summarise",
      { description: "Summarises a note.", argsSchema: z.object({ note: z.string() }) },
      ({ note }) => ({
        messages: [
          { role: "user", content: { type: "text", text: `Summarise note ${note}.` } },
          {
            role: "user",
            content: { type: "resource", resource: { uri: "notes://public/1", text: "The public note." } },
          },
        ],
      }),
    );
    server.registerPrompt("internal", { description: "Not for every agent." }, () => ({
      messages: [{ role: "user", content: { type: "text", text: "Internal." } }],
    }));
    return server;
  };
  const handler = createMcpHandler(build, { legacy: "reject" });
  return { handlers: [http.post(url, ({ request }) => handler.fetch(request as unknown as Request))], reads };
}

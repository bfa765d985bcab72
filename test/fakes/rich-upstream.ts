import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { http, type HttpHandler } from "msw";
import { z } from "zod";

/** A 1×1 PNG: bytes that are not UTF-8 text. */
export const PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

/** Base64 of UTF-8 text, as a server would send a text file as a blob. */
export const base64Of = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

/** The notes the picture tool attaches, by id: the text comes from the host, never from the agent's arguments. */
export const NOTES = {
  plain: { text: "blue skies", blob: "blue skies" },
  codeword: { text: "codeword nightingale", blob: "codeword nightingale" },
  /** The term only in the base64 blob, a way around guards that read text blocks alone. */
  hidden: { text: "see the attachment", blob: "codeword nightingale" },
} as const;

/**
 * A real MCP server (the SDK's McpServer) whose tools answer with every kind of content block, one tool with an
 * output schema, resources (two listed, one template) and two prompts, served through msw at `url`.
 */
export function createRichUpstream(url: string): { handlers: HttpHandler[] } {
  const build = () => {
    const server = new McpServer(
      { name: "rich", version: "1.0.0" },
      { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
    );
    server.registerTool(
      "picture",
      {
        description: "A picture with its caption, a link and the attached note.",
        inputSchema: { note_id: z.enum(Object.keys(NOTES) as [keyof typeof NOTES]) },
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      async ({ note_id }) => {
        const note = NOTES[note_id];
        return {
          content: [
            { type: "text", text: "Here is the picture." },
            { type: "image", data: PNG_BASE64, mimeType: "image/png" },
            { type: "resource_link", uri: "notes://public/1", name: "public_note", mimeType: "text/plain" },
            { type: "resource", resource: { uri: "notes://attached/1", mimeType: "text/plain", text: note.text } },
            {
              type: "resource",
              resource: { uri: "notes://attached/2", mimeType: "application/octet-stream", blob: base64Of(note.blob) },
            },
          ],
        };
      },
    );
    server.registerTool(
      "sum",
      {
        description: "Adds two numbers.",
        inputSchema: { a: z.number(), b: z.number() },
        outputSchema: { sum: z.number() },
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }], structuredContent: { sum: a + b } }),
    );
    server.registerTool(
      "status",
      {
        description: "A clean structured status, with the note in its text content.",
        inputSchema: { note_id: z.enum(Object.keys(NOTES) as [keyof typeof NOTES]) },
        outputSchema: { status: z.string() },
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      async ({ note_id }) => ({
        content: [{ type: "text", text: NOTES[note_id].blob }],
        structuredContent: { status: "ok" },
      }),
    );
    server.registerResource("public_note", "notes://public/1", { mimeType: "text/plain" }, async (uri) => ({
      contents: [{ uri: uri.href, text: "The public note." }],
    }));
    server.registerResource("private_note", "notes://private/1", { mimeType: "text/plain" }, async (uri) => ({
      contents: [{ uri: uri.href, text: "The private note." }],
    }));
    server.registerResource(
      "public_by_id",
      new ResourceTemplate("notes://public/{id}", { list: undefined }),
      { mimeType: "text/plain" },
      async (uri, { id }) => ({ contents: [{ uri: uri.href, text: `Public note ${String(id)}.` }] }),
    );
    server.registerPrompt("greet", { description: "Greets someone.", argsSchema: { who: z.string() } }, ({ who }) => ({
      messages: [
        { role: "user", content: { type: "text", text: `Say hello to ${who}.` } },
        {
          role: "user",
          content: { type: "resource", resource: { uri: "notes://public/1", text: "The public note." } },
        },
      ],
    }));
    server.registerPrompt("internal", { description: "Not for every agent." }, () => ({
      messages: [{ role: "user", content: { type: "text", text: "Internal." } }],
    }));
    return server;
  };
  const handler = http.all(url, async ({ request }) => {
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await build().connect(transport);
    // msw types its request with the DOM lib; at run time it is workerd's Request.
    return transport.handleRequest(request as unknown as Request);
  });
  return { handlers: [handler] };
}

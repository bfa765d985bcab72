import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/server/validators/cf-worker";
import { http, type HttpHandler } from "msw";
import { z } from "zod";

/**
 * A real MCP server on the 2.x SDK (@modelcontextprotocol/server 2.4) that speaks only 2026-07-28: stateless, no
 * initialize (the handler refuses 2025-era requests), served through msw at `url`. `calls` counts the tool calls
 * it ran, by tool.
 */
export function createModernUpstream(url: string): { handlers: HttpHandler[]; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const ran = (tool: string) => calls.set(tool, (calls.get(tool) ?? 0) + 1);
  const build = () => {
    const server = new McpServer(
      { name: "ledgerbook", version: "2.4.0" },
      { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
    );
    server.registerTool(
      "balance",
      {
        description: "The balance of an account, in cents.",
        inputSchema: z.object({ account: z.string().max(40) }),
        outputSchema: z.object({ account: z.string(), balance_cents: z.number() }),
        annotations: { readOnlyHint: true },
      },
      async ({ account }) => {
        ran("balance");
        const data = { account, balance_cents: 12_345 };
        return { content: [{ type: "text", text: `${account}: 123.45` }], structuredContent: data };
      },
    );
    server.registerTool(
      "transfer",
      {
        description: "Moves money between two accounts.",
        inputSchema: z.object({ from: z.string(), to: z.string(), amount_cents: z.number().int().positive() }),
        annotations: { destructiveHint: true },
      },
      async ({ from, to, amount_cents }) => {
        ran("transfer");
        return { content: [{ type: "text", text: `Moved ${amount_cents} from ${from} to ${to}.` }] };
      },
    );
    return server;
  };
  const handler = createMcpHandler(build, { legacy: "reject" });
  return { handlers: [http.post(url, ({ request }) => handler.fetch(request as unknown as Request))], calls };
}

import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { delay, http, HttpResponse, type HttpHandler } from "msw";
import { z } from "zod";

/** How the fake upstream behaves right now. */
export type UpstreamMode = "ok" | "down" | "slow" | "error5xx" | "rate_limited";

/** What one HTTP request to the fake carried. */
export interface RecordedRequest {
  method: string;
  headers: Record<string, string>;
  /** The JSON-RPC method, when the body was a JSON-RPC message. */
  rpc_method: string | null;
  /** `params._meta` of the JSON-RPC message. */
  meta: Record<string, unknown> | null;
  /** `params.name` of a tools/call. */
  tool: string | null;
}

/** Options of a fake upstream MCP server. */
export interface UpstreamOptions {
  url: string;
  mode?: UpstreamMode;
  /** The server's version (`serverInfo.version`). */
  version?: string;
  /** Require this header with this exact value; 401 otherwise. */
  auth?: { header: string; value: string };
  /** Issue `Mcp-Session-Id` on initialize and answer 404 to requests with an unknown one. */
  sessions?: boolean;
  /** Answer with an SSE stream instead of a JSON body. */
  sse?: boolean;
  /** How long `slow` mode waits before answering. */
  slowMs?: number;
  /** Tools whose calls the server answers with a JSON-RPC error instead of running them. */
  rejectTools?: string[];
  /** Quote the Authorization header it received in its JSON-RPC error messages (a careless server). */
  echoAuthorization?: boolean;
  /** Tools per `tools/list` page (the SDK lists all at once; this splits them with cursors). */
  pageSize?: number;
}

/** A fake upstream: msw handlers plus what it saw and switches to change its behaviour. */
export interface FakeUpstream {
  handlers: HttpHandler[];
  requests: RecordedRequest[];
  /** Tickets created so far, in order. */
  tickets: { id: string; title: string; priority: string }[];
  setMode(mode: UpstreamMode): void;
  /** Forget every issued session, as a restarted server would. */
  expireSessions(): void;
  /** Requests whose JSON-RPC method is `method`. */
  calls(method: string): RecordedRequest[];
}

/** A real MCP server (the SDK's McpServer) for a `tickets` system, served through msw at `options.url`. */
export function createFakeUpstream(options: UpstreamOptions): FakeUpstream {
  let mode: UpstreamMode = options.mode ?? "ok";
  const sessions = new Set<string>();
  let sessionCounter = 0;
  const requests: RecordedRequest[] = [];
  const tickets: FakeUpstream["tickets"] = [];

  const buildServer = (): McpServer => {
    const server = new McpServer(
      { name: "tickets", version: options.version ?? "2.3.0" },
      { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
    );
    server.registerTool(
      "create_ticket",
      {
        title: "Create ticket",
        description: "Open a support ticket.",
        inputSchema: {
          title: z.string().min(1).describe("What the ticket is about"),
          priority: z.enum(["low", "normal", "high"]).describe("How urgent it is"),
        },
        outputSchema: { id: z.string(), title: z.string(), priority: z.string() },
        annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
      },
      async ({ title, priority }) => {
        const ticket = { id: `T-${tickets.length + 1}`, title, priority };
        tickets.push(ticket);
        return { content: [{ type: "text", text: `Created ${ticket.id}` }], structuredContent: ticket };
      },
    );
    server.registerTool(
      "get_ticket",
      {
        description: "Read a ticket.",
        inputSchema: { id: z.string().describe("The ticket id") },
        annotations: { readOnlyHint: true },
        _meta: { "policy-os/version": "1.4.0" },
      },
      async ({ id }) => {
        const ticket = tickets.find((t) => t.id === id);
        return ticket
          ? { content: [{ type: "text", text: JSON.stringify(ticket) }] }
          : { content: [{ type: "text", text: `No ticket ${id}` }], isError: true };
      },
    );
    server.registerTool(
      "fail_ticket",
      {
        description: "Always fails, as a tool error.",
        inputSchema: { id: z.string().describe("The ticket id") },
        annotations: { readOnlyHint: false, destructiveHint: true },
      },
      async ({ id }) => ({ content: [{ type: "text", text: `Ticket ${id} is locked` }], isError: true }),
    );
    return server;
  };

  const record = (request: Request, body: unknown): RecordedRequest => {
    const message = (Array.isArray(body) ? body[0] : body) as
      { method?: string; params?: { _meta?: Record<string, unknown>; name?: string } } | undefined;
    const entry: RecordedRequest = {
      method: request.method,
      headers: Object.fromEntries(request.headers.entries()),
      rpc_method: message?.method ?? null,
      meta: message?.params?._meta ?? null,
      tool: message?.method === "tools/call" ? (message.params?.name ?? null) : null,
    };
    requests.push(entry);
    return entry;
  };

  const rpcError = (id: unknown, status: number, code: number, message: string): Response =>
    HttpResponse.json({ jsonrpc: "2.0", id: id ?? null, error: { code, message } }, { status });

  const handler = http.all(options.url, async ({ request: mswRequest }) => {
    // msw types its request with the DOM lib; at run time it is workerd's Request.
    const request = mswRequest as unknown as Request;
    const body: unknown =
      request.method === "POST"
        ? await request
            .clone()
            .json()
            .catch(() => null)
        : null;
    const seen = record(request, body);
    if (mode === "down") return HttpResponse.error();
    if (mode === "slow") await delay(options.slowMs ?? 2_000);
    if (mode === "error5xx") return new HttpResponse("upstream exploded", { status: 503 });
    if (mode === "rate_limited") return new HttpResponse("slow down", { status: 429 });
    if (options.auth && request.headers.get(options.auth.header) !== options.auth.value) {
      return new HttpResponse("unauthorized", { status: 401 });
    }
    const id = (body as { id?: unknown } | null)?.id;
    if (options.sessions && seen.rpc_method !== "initialize" && request.method === "POST") {
      const session = request.headers.get("mcp-session-id");
      if (!session || !sessions.has(session)) return rpcError(id, session ? 404 : 400, -32001, "Session not found");
    }
    if (seen.tool && options.rejectTools?.includes(seen.tool)) {
      const echo = options.echoAuthorization ? ` (you sent ${request.headers.get("authorization")})` : "";
      return rpcError(id, 200, -32602, `Tool ${seen.tool} refuses these arguments${echo}`);
    }
    if (seen.rpc_method === "tools/list" && options.pageSize) return listPage(body, options.pageSize);

    const server = buildServer();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: !options.sse,
    });
    await server.connect(transport);
    const response = await transport.handleRequest(request);
    if (options.sessions && seen.rpc_method === "initialize" && response.ok) {
      const session = `sess-${++sessionCounter}`;
      sessions.add(session);
      const headers = new Headers(response.headers);
      headers.set("mcp-session-id", session);
      return new Response(response.body, { status: response.status, headers });
    }
    return response;
  });

  const listPage = async (body: unknown, pageSize: number): Promise<Response> => {
    const message = body as { id: unknown; params?: { cursor?: string } };
    const server = buildServer();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    const full = await transport.handleRequest(
      new Request(options.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2025-06-18",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: message.id, method: "tools/list", params: {} }),
      }),
    );
    const all = ((await full.json()) as { result: { tools: unknown[] } }).result.tools;
    const start = Number(message.params?.cursor ?? "0");
    const next = start + pageSize;
    return HttpResponse.json({
      jsonrpc: "2.0",
      id: message.id,
      result: { tools: all.slice(start, next), ...(next < all.length ? { nextCursor: String(next) } : {}) },
    });
  };

  return {
    handlers: [handler],
    requests,
    tickets,
    setMode: (next) => {
      mode = next;
    },
    expireSessions: () => sessions.clear(),
    calls: (method) => requests.filter((r) => r.rpc_method === method),
  };
}

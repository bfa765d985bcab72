import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import type { Principal } from "../db/tenancy";
import type { CircuitViews } from "../hosts";
import type { ToolDescriptor } from "../hosts/host";
import type { PolicySnapshot } from "../policy";
import type { PipelineDeps } from "../pipeline/ports";
import { isModernMcpRequest } from "./era";
import { FEATURE_CAPABILITIES, registerFeatures } from "./feature-handlers";
import type { McpFeatures } from "./features";
import type { HeldTasks } from "./held-tasks";
import { OneCallTransport, oneToolCall } from "./one-call";
import { requestShapeRefusal } from "./request-shape";
import { runCall } from "./run-call";
import { serveModernMcp } from "./server-2026";
import { toolsFor } from "./tool-list";

/** What every client is told about Policy OS on connecting (both eras). */
export const INSTRUCTIONS = `Policy OS governs every tool call. Each tool's description ends with its policy state for you
(open, restricted, approval_required, audited, blocked). Every tools/call returns an outcome in structuredContent:
outcome is succeeded, denied, pending_approval, failed or invalid. pending_approval carries an escalation_id: call the
same tool with the same arguments again once a person has approved it. denial.retryable says whether retrying helps.
governance.escalation_status tells an escalation's state without re-sending the call. governance.start_run starts a
run: send its run_id as _meta.run_id (a run id it did not give you is refused, unknown_run). Optional _meta on
tools/call: correlation_id, session_id, run_id, on_behalf_of (a person your Acts for names, or your token's person;
default your owner), workspace (one of your Workspaces), escalation_id (the approval a retry means), and
request_new_approval: true (ask again after an approval was used; otherwise a used approval refuses the call).`;

/**
 * One schema validator for every per-request server: without it each `new Server` builds its own Ajv (about
 * 0.2 ms of CPU, and Ajv's code generation cannot run in Workers). It holds no I/O, so sharing it is safe.
 */
const jsonSchemaValidator = new CfWorkerJsonSchemaValidator();

/** What serving one MCP request needs. */
export interface McpRequest {
  principal: Principal;
  snapshot: PolicySnapshot;
  catalog: () => Promise<ToolDescriptor[]>;
  /** Each host's circuit as this isolate knows it (tools/list shows availability beside policy state). */
  circuits: () => CircuitViews;
  pipeline: PipelineDeps;
  /** Where resources and prompts come from (upstream hosts, runbooks) and where reads are recorded. */
  features: McpFeatures;
  /** The caller's user agent, recorded as the client id. */
  user_agent: string | null;
  /** Held calls as MCP Tasks for 2026-07-28 clients that declare the extension (absent: no tasks are offered). */
  heldTasks?: HeldTasks;
}

/**
 * The `arguments` of each tools/call in a JSON-RPC body, by request id, exactly as the client sent them.
 * The SDK's schema parsing copies arguments by assignment, which turns an own `__proto__` key into the copy's
 * prototype; the pipeline must see (and refuse) such keys, so it gets the arguments from here.
 */
function argumentsAsSent(body: unknown): Map<string | number, unknown> {
  const sent = new Map<string | number, unknown>();
  for (const message of Array.isArray(body) ? body : [body]) {
    if (
      message &&
      typeof message === "object" &&
      message.method === "tools/call" &&
      message.params &&
      typeof message.params === "object"
    )
      sent.set(message.id, message.params.arguments);
  }
  return sent;
}

/**
 * Serves one MCP POST of either era statelessly: a server and transport built for this request only
 * (a shared one breaks under concurrent requests in workerd).
 */
export async function serveMcp(request: Request, body: unknown, mcp: McpRequest): Promise<Response> {
  // 2026-07-28 requests go to the 2.x SDK's server; 2025-06-18 and 2025-11-25 ones stay with the 1.x server below.
  if (await isModernMcpRequest(request, body)) return serveModernMcp(request, body, mcp);
  const refusal = requestShapeRefusal(body, request.headers.get("mcp-protocol-version"));
  if (refusal) return Response.json(refusal.body, { status: refusal.status });
  const server = new Server(
    { name: "policy-os", title: "Policy OS", version: "0.1.0" },
    {
      capabilities: { tools: { listChanged: false }, ...FEATURE_CAPABILITIES },
      instructions: INSTRUCTIONS,
      jsonSchemaValidator,
    },
  );
  const { principal, catalog, features, user_agent } = mcp;
  registerFeatures(server, { principal, catalog, features, client_id: user_agent });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: toolsFor(await mcp.catalog(), mcp.principal, mcp.snapshot, mcp.circuits()),
  }));
  const sent = argumentsAsSent(body);
  const asCaller = { pipeline: mcp.pipeline, principal, snapshot: mcp.snapshot, client_id: user_agent };
  server.setRequestHandler(CallToolRequestSchema, async (req, extra): Promise<CallToolResult> => {
    const ran = await runCall(asCaller, {
      tool: req.params.name,
      args: sent.has(extra.requestId) ? sent.get(extra.requestId) : req.params.arguments,
      meta: (req.params._meta ?? {}) as Record<string, unknown>,
    });
    return ran.result as CallToolResult;
  });
  // A lone tools/call, the hot path, skips the HTTP transport's per-POST bookkeeping; the server handles it the same.
  const call = oneToolCall(request, body);
  if (call) {
    const one = new OneCallTransport(call);
    await server.connect(one);
    return one.answer();
  }
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  return transport.handleRequest(request, { parsedBody: body });
}

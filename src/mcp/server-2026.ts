import {
  CLIENT_CAPABILITIES_META_KEY,
  createMcpHandler,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  type CallToolResult,
  type ServerContext,
  type Tool,
} from "@modelcontextprotocol/server";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/server/validators/cf-worker";
import { z } from "zod";
import type { Outcome } from "../pipeline/outcome";
import { runToolCall } from "../pipeline/run";
import { isGovernanceTool, runGovernanceTool } from "./governance-tools";
import { TASKS_EXTENSION, type HeldCall, type RanCall, type TaskLookup, type TaskOwner } from "./held-tasks";
import { INSTRUCTIONS, type McpRequest } from "./server";
import { toolsFor } from "./tool-list";

/** How long a client may reuse an agent's tools/list answer: policy edits reach it within this. */
export const TOOL_LIST_TTL_MS = 30_000;

const TASKS_INSTRUCTIONS = `With the ${TASKS_EXTENSION} extension declared in your request's client capabilities, a
call held for approval returns a task instead: poll tasks/get with its taskId; once a person decides, the call runs once
and the task completes with the outcome (or with the denial saying why it did not run). tasks/cancel gives it up.`;

/** One validator for every per-request server (it holds no I/O; Ajv's code generation cannot run in Workers). */
const jsonSchemaValidator = new CfWorkerJsonSchemaValidator();

const taskParams = z.looseObject({ taskId: z.string().max(200) });
const taskResult = z.looseObject({});

/**
 * Serves one MCP 2026-07-28 POST (no initialize, the per-request `_meta` envelope, `server/discover`) with the 2.x
 * SDK, statelessly: a server built for this request only, over the same pipeline, outcome contract and policy state
 * as the 2025 era (src/mcp/server.ts). tools/list carries private cache hints (the list is the agent's own); a call
 * held for approval becomes a task for a client that declared the Tasks extension, and stays today's
 * pending_approval outcome for one that did not.
 */
export async function serveModernMcp(request: Request, body: unknown, mcp: McpRequest): Promise<Response> {
  const handler = createMcpHandler(() => modernServer(mcp, body), { legacy: "reject" });
  return handler.fetch(request, { parsedBody: body });
}

function modernServer(mcp: McpRequest, body: unknown): Server {
  const tasks = mcp.heldTasks;
  const server = new Server(
    { name: "policy-os", title: "Policy OS", version: "0.1.0" },
    {
      capabilities: { tools: { listChanged: false }, ...(tasks ? { extensions: { [TASKS_EXTENSION]: {} } } : {}) },
      instructions: tasks ? `${INSTRUCTIONS}\n${TASKS_INSTRUCTIONS}` : INSTRUCTIONS,
      jsonSchemaValidator,
      cacheHints: { "tools/list": { ttlMs: TOOL_LIST_TTL_MS, cacheScope: "private" } },
    },
  );
  const owner: TaskOwner = { tenant_id: mcp.principal.tenant.id, agent_id: mcp.principal.agent.id };
  const runCall = async (call: HeldCall): Promise<RanCall> => {
    // Governance tools read the caller's own records and run no host: they do not pass the pipeline.
    const run = isGovernanceTool(call.tool) ? runGovernanceTool : runToolCall;
    const { outcome, sentence } = await run(mcp.pipeline, {
      principal: mcp.principal,
      snapshot: mcp.snapshot,
      name: call.tool,
      args: call.args,
      meta: call.meta,
      client_id: mcp.user_agent,
    });
    return { outcome, sentence, result: callToolResult(outcome, sentence) as Record<string, unknown> };
  };

  server.setRequestHandler("tools/list", async (req) => {
    // This endpoint hands out no cursors (the list is one page), so any cursor is not one it signed.
    if (req.params?.cursor !== undefined)
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        "Invalid params: unknown cursor (tools/list has one page).",
      );
    return { tools: toolsFor(await mcp.catalog(), mcp.principal, mcp.snapshot, mcp.circuits()) as Tool[] };
  });

  server.setRequestHandler("tools/call", async (req, ctx): Promise<CallToolResult> => {
    const call = {
      tool: req.params.name,
      args: argumentsAsSent(body) ?? req.params.arguments,
      meta: (req.params._meta ?? {}) as Record<string, unknown>,
    };
    const ran = await runCall(call);
    if (tasks && ran.outcome.outcome === "pending_approval" && declaresTasks(ctx)) {
      const task = await tasks.open(owner, call, ran.outcome, ran.sentence);
      // SEP-2663's CreateTaskResult: the SDK passes a handler's resultType through on tools/call.
      if (task)
        return {
          resultType: "task",
          ...task,
          _meta: { "policy-os/outcome": ran.outcome },
        } as unknown as CallToolResult;
    }
    return ran.result as CallToolResult;
  });

  if (tasks) {
    server.setRequestHandler("tasks/get", { params: taskParams, result: taskResult }, async (params) =>
      taskOrRefusal(await tasks.get(owner, params.taskId, runCall), params.taskId),
    );
    server.setRequestHandler("tasks/cancel", { params: taskParams, result: taskResult }, async (params) => {
      taskOrRefusal(await tasks.cancel(owner, params.taskId), params.taskId);
      return {};
    });
  }
  return server;
}

/** The outcome contract as a CallToolResult: the sentence, the outcome as JSON text, structuredContent, isError. */
function callToolResult(outcome: Outcome, sentence: string): CallToolResult {
  return {
    content: [
      { type: "text", text: sentence },
      { type: "text", text: JSON.stringify(outcome) },
    ],
    structuredContent: outcome as unknown as Record<string, unknown>,
    isError: !outcome.success,
  };
}

/** Whether the request's client capabilities (its `_meta` envelope) declare the Tasks extension. */
function declaresTasks(ctx: ServerContext): boolean {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const capabilities = envelope?.[CLIENT_CAPABILITIES_META_KEY] as { extensions?: Record<string, unknown> } | undefined;
  return Boolean(capabilities?.extensions && Object.hasOwn(capabilities.extensions, TASKS_EXTENSION));
}

/** A task the caller may see, or -32602: an unknown, changed or another agent's task id gets the same refusal. */
function taskOrRefusal(lookup: TaskLookup, task_id: string) {
  if (!lookup.found)
    throw new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      `Invalid params: unknown task ${JSON.stringify(task_id.slice(0, 40))} (not one this gateway gave you).`,
    );
  return { ...lookup.task };
}

/**
 * The tools/call `arguments` exactly as sent: the SDK's parsing copies them by assignment, which turns an own
 * `__proto__` key into the copy's prototype, and the pipeline must see (and refuse) such keys. 2026-07-28 has no
 * batches, so the body is the one request.
 */
function argumentsAsSent(body: unknown): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const { method, params } = body as { method?: unknown; params?: unknown };
  if (method !== "tools/call" || typeof params !== "object" || params === null) return undefined;
  return (params as { arguments?: unknown }).arguments;
}

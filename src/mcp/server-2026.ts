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
import { FEATURE_CAPABILITIES } from "./feature-handlers";
import type { FeatureAnswer, FeatureContext } from "./features";
import { TASKS_EXTENSION, type HeldCall, type TaskLookup, type TaskOwner } from "./held-tasks";
import { getPrompt, listPrompts } from "./prompts";
import { listResources, listResourceTemplates, readResource } from "./resources";
import { runCall } from "./run-call";
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
      capabilities: {
        tools: { listChanged: false },
        ...FEATURE_CAPABILITIES,
        ...(tasks ? { extensions: { [TASKS_EXTENSION]: {} } } : {}),
      },
      instructions: tasks ? `${INSTRUCTIONS}\n${TASKS_INSTRUCTIONS}` : INSTRUCTIONS,
      jsonSchemaValidator,
      cacheHints: { "tools/list": { ttlMs: TOOL_LIST_TTL_MS, cacheScope: "private" } },
    },
  );
  const owner: TaskOwner = { tenant_id: mcp.principal.tenant.id, agent_id: mcp.principal.agent.id };
  const asCaller = {
    pipeline: mcp.pipeline,
    principal: mcp.principal,
    snapshot: mcp.snapshot,
    client_id: mcp.user_agent,
  };
  const runHere = (call: HeldCall) => runCall(asCaller, call);
  registerModernFeatures(server, {
    principal: mcp.principal,
    catalog: mcp.catalog,
    features: mcp.features,
    client_id: mcp.user_agent,
  });

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
    const ran = await runHere(call);
    if (tasks && ran.outcome.outcome === "pending_approval" && declaresTasks(ctx)) {
      const caller = { proof: mcp.principal.proof ?? { via: "key" as const }, client_id: mcp.user_agent };
      const task = await tasks.open(owner, call, ran.outcome, ran.sentence, caller);
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
      taskOrRefusal(await tasks.get(owner, params.taskId, runHere), params.taskId),
    );
    server.setRequestHandler("tasks/cancel", { params: taskParams, result: taskResult }, async (params) => {
      taskOrRefusal(await tasks.cancel(owner, params.taskId), params.taskId);
      return {};
    });
  }
  return server;
}

/** Resources and prompts (src/mcp/resources.ts, prompts.ts), as the 2025 server registers them. */
function registerModernFeatures(server: Server, ctx: FeatureContext): void {
  server.setRequestHandler("resources/list", () => listResources(ctx));
  server.setRequestHandler("resources/templates/list", () => listResourceTemplates(ctx));
  server.setRequestHandler("resources/read", async (req) => answered(await readResource(ctx, req.params.uri)));
  server.setRequestHandler("prompts/list", () => listPrompts(ctx));
  server.setRequestHandler("prompts/get", async (req) =>
    answered(await getPrompt(ctx, req.params.name, req.params.arguments)),
  );
}

/** The result, or the JSON-RPC error the SDK sends for it. */
function answered<T>(answer: FeatureAnswer<T>): T {
  if (answer.ok) return answer.result;
  throw new ProtocolError(answer.error.code, answer.error.message);
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

import {
  CallToolRequestSchema,
  InitializeRequestSchema,
  ListToolsRequestSchema,
  PingRequestSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "@modelcontextprotocol/sdk/types.js";
import { jsonRpcError } from "../http/errors";

/** The first MCP revision without JSON-RPC batching: a client that declares it (or later) may not send one. */
export const FIRST_VERSION_WITHOUT_BATCHES = "2025-06-18";

/** A JSON-RPC error the endpoint answers itself, before the MCP server sees the body, and its HTTP status. */
export interface ShapeRefusal {
  status: 200 | 400;
  body: ReturnType<typeof jsonRpcError>;
}

type RequestId = string | number;

/**
 * Refuses what the MCP SDK would mishandle, before any call runs: a batch from a client that declared MCP
 * 2025-06-18 or later (which removed batching), a batch whose requests share an id (the SDK matches answers by id,
 * so one call would get another's arguments and answer), a batch that cancels its own requests (never answered),
 * and a request whose params fail the SDK's schema for its method, such as a `tools/call` whose `params`, `name`,
 * `arguments` or `_meta` is not the right kind of value (-32602 rather than the SDK's -32603 with a schema dump).
 * An MCP-Protocol-Version header naming no supported version is refused here too (the SDK would echo all of it).
 * A refused batch runs nothing. Returns null when the body may go on.
 *
 * @example requestShapeRefusal({ jsonrpc: "2.0", id: 1, method: "tools/call" }, null) // -32602, id 1
 */
export function requestShapeRefusal(body: unknown, protocolVersion: string | null): ShapeRefusal | null {
  // As the SDK does, the header is checked on every request but initialize, which negotiates the version instead.
  if (protocolVersion !== null && !SUPPORTED_PROTOCOL_VERSIONS.includes(protocolVersion) && !initializes(body))
    return {
      status: 400,
      body: jsonRpcError(
        -32000,
        `Bad Request: Unsupported protocol version: ${cut(protocolVersion)} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")})`,
      ),
    };
  if (!Array.isArray(body)) {
    const problem = paramsProblem(body);
    return problem === null ? null : { status: 200, body: invalidParams(problem, idOf(body)) };
  }
  if (protocolVersion !== null && protocolVersion >= FIRST_VERSION_WITHOUT_BATCHES)
    return invalidBatch(
      `Invalid Request: MCP ${FIRST_VERSION_WITHOUT_BATCHES} and later have no JSON-RPC batching; send one request per POST.`,
    );
  if (body.length === 0) return invalidBatch("Invalid Request: the batch is empty.");
  // A stateless server holds no request but the batch's own, and the SDK never answers a cancelled one: the response
  // would wait for that answer forever.
  if (body.some((message) => isObject(message) && message.method === "notifications/cancelled"))
    return invalidBatch("Invalid Request: a batch may not cancel requests; nothing in it ran.");
  // 1 and "1" are different JSON-RPC ids, but no honest client sends both in one batch: refusing them costs nothing.
  const seen = new Set<string>();
  for (const message of body) {
    const id = requestIdOf(message);
    if (id === undefined) continue;
    if (seen.has(String(id)))
      return invalidBatch(
        `Invalid Request: the batch has more than one request with id ${shown(id)}; nothing in it ran.`,
      );
    seen.add(String(id));
  }
  for (const message of body) {
    const problem = paramsProblem(message);
    if (problem !== null)
      return {
        status: 400,
        body: jsonRpcError(
          -32602,
          `Invalid params in the batch's request ${shown(idOf(message))}: ${problem}; nothing in it ran.`,
        ),
      };
  }
  return null;
}

/**
 * The SDK's schema for each method the server answers: a request it fails becomes the SDK's -32603 with the whole
 * zod error as its message, so it is answered here as -32602 instead.
 */
const REQUEST_SCHEMAS = new Map<unknown, { safeParse(value: unknown): { success: boolean; error?: SchemaError } }>([
  ["tools/call", CallToolRequestSchema],
  ["tools/list", ListToolsRequestSchema],
  ["initialize", InitializeRequestSchema],
  ["ping", PingRequestSchema],
]);

interface SchemaError {
  issues: { path: PropertyKey[]; message: string }[];
}

/** Why a request's params do not fit its method, in one line, or null when they do (or it is not a request). */
function paramsProblem(message: unknown): string | null {
  if (!isObject(message) || requestIdOf(message) === undefined) return null;
  const schema = REQUEST_SCHEMAS.get(message.method);
  if (schema === undefined) return null;
  const problem = message.method === "tools/call" ? toolCallProblem(message.params) : null;
  if (problem !== null) return problem;
  const parsed = schema.safeParse(message);
  if (parsed.success) return null;
  const issue = parsed.error?.issues[0];
  const where = issue?.path.map(String).join(".") || "params";
  return `${String(message.method)} ${where}: ${(issue?.message ?? "does not fit").split("\n")[0]!.slice(0, 120)}`;
}

/** The common ways a `tools/call` goes wrong, said plainly. */
function toolCallProblem(params: unknown): string | null {
  if (!isObject(params)) return "tools/call needs params, an object with the tool's name";
  if (typeof params.name !== "string") return "tools/call params.name must be a string naming the tool";
  if (params.arguments !== undefined && !isObject(params.arguments))
    return `tools/call params.arguments must be an object, not ${kindOf(params.arguments)}`;
  if (params._meta !== undefined && !isObject(params._meta))
    return `tools/call params._meta must be an object, not ${kindOf(params._meta)}`;
  return null;
}

function invalidParams(problem: string, id: RequestId | null) {
  return jsonRpcError(-32602, `Invalid params: ${problem}.`, undefined, id);
}

function invalidBatch(message: string): ShapeRefusal {
  return { status: 400, body: jsonRpcError(-32600, message) };
}

/** A request's id (requests have a method and an id; notifications and responses have not both). */
function requestIdOf(message: unknown): RequestId | undefined {
  if (!isObject(message) || typeof message.method !== "string") return undefined;
  const id = idOf(message);
  return id === null ? undefined : id;
}

function idOf(message: unknown): RequestId | null {
  if (!isObject(message)) return null;
  return typeof message.id === "string" || typeof message.id === "number" ? message.id : null;
}

/** An id as the client wrote it, cut short: ids are the client's text and land in our messages. */
function shown(id: RequestId | null): string {
  return cut(JSON.stringify(id));
}

/** A client's text cut to 40 characters for a message. */
function cut(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** Whether the body is, or its batch holds, an initialize request. */
function initializes(body: unknown): boolean {
  return (Array.isArray(body) ? body : [body]).some((message) => isObject(message) && message.method === "initialize");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
}

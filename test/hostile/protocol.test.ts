import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { admin, BASE, newTenant, rawMcp } from "../support/worker";

/**
 * Hostile input at the MCP endpoint's protocol layer: every row gets a bounded, structured answer, and whatever is
 * refused runs nothing (the tenant's ledger does not grow). One tenant serves the file; rows run one after another.
 */

let key = "";
let tenant = "";

beforeAll(async () => {
  ({ key, tenant } = await newTenant());
});

const lookup = { name: "payments.lookup_customer", arguments: { customer_id: "cus_001" } };
const request = (id: unknown, method: string, params?: unknown) =>
  ({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) }) as Record<string, unknown>;
const toolCall = (params: unknown, id: unknown = 1) => request(id, "tools/call", params);

/** Posts `body` (a string is sent as it is) as the file's agent, with extra or overriding headers. */
async function post(body: unknown, headers: Record<string, string> = {}) {
  const res = await rawMcp(typeof body === "string" ? body : JSON.stringify(body), {
    authorization: `Bearer ${key}`,
    ...headers,
  });
  const text = await res.text();
  const json: any = text === "" ? null : JSON.parse(text);
  return { status: res.status, text, json, allow: res.headers.get("allow") };
}

/** The tenant's ledger entries. */
async function ledger(): Promise<{ kind: string; invocation_id: string | null; body: any }[]> {
  return (await admin("GET", `/ledger?tenant=${tenant}&limit=1000`)).body.entries;
}

/** Runs `send` and returns its answer with the ledger entries it added. */
async function observed<T>(send: () => Promise<T>) {
  const before = (await ledger()).length;
  const answer = await send();
  return { answer, added: (await ledger()).slice(before) };
}

interface Refused {
  name: string;
  body: unknown;
  headers?: Record<string, string>;
  status: number;
  code: number;
  message: RegExp;
}

const refusedAtTheDoor: Refused[] = [
  { name: "an empty body", body: "", status: 400, code: -32700, message: /not valid JSON/ },
  {
    name: "a truncated object",
    body: '{"jsonrpc":"2.0","id":1,',
    status: 400,
    code: -32700,
    message: /not valid JSON/,
  },
  { name: "single-quoted JSON", body: "{'jsonrpc':'2.0'}", status: 400, code: -32700, message: /not valid JSON/ },
  {
    name: "JSON followed by garbage",
    body: `${JSON.stringify(toolCall(lookup))}xyz`,
    status: 400,
    code: -32700,
    message: /not valid JSON/,
  },
  { name: "a bare JSON string", body: '"tools/call"', status: 400, code: -32700, message: /Invalid JSON-RPC/ },
  { name: "a bare number", body: "42", status: 400, code: -32700, message: /Invalid JSON-RPC/ },
  {
    name: "a text/plain content type",
    body: toolCall(lookup),
    headers: { "content-type": "text/plain" },
    status: 415,
    code: -32000,
    message: /Content-Type must be application\/json/,
  },
  {
    name: "no Accept header",
    body: toolCall(lookup),
    headers: { accept: "" },
    status: 406,
    code: -32000,
    message: /must accept both/,
  },
  {
    name: "an Accept header without text/event-stream",
    body: toolCall(lookup),
    headers: { accept: "application/json" },
    status: 406,
    code: -32000,
    message: /must accept both/,
  },
  {
    name: "a body over 1 MB",
    body: toolCall({ ...lookup, arguments: { customer_id: "x".repeat(1_100_000) } }),
    status: 413,
    code: -32600,
    message: /larger than 1048576 bytes/,
  },
  {
    name: "100,000 nested arrays",
    body: "[".repeat(100_000) + "]".repeat(100_000),
    status: 400,
    code: -32700,
    message: /Invalid JSON-RPC/,
  },
  {
    name: 'jsonrpc "1.0"',
    body: { ...toolCall(lookup), jsonrpc: "1.0" },
    status: 400,
    code: -32700,
    message: /Invalid JSON-RPC/,
  },
  {
    name: "no jsonrpc member",
    body: { id: 1, method: "tools/call", params: lookup },
    status: 400,
    code: -32700,
    message: /Invalid JSON-RPC/,
  },
  { name: "a null id", body: toolCall(lookup, null), status: 400, code: -32700, message: /Invalid JSON-RPC/ },
  { name: "an object id", body: toolCall(lookup, { a: 1 }), status: 400, code: -32700, message: /Invalid JSON-RPC/ },
  { name: "a float id", body: toolCall(lookup, 1.5), status: 400, code: -32700, message: /Invalid JSON-RPC/ },
  { name: "a boolean id", body: toolCall(lookup, true), status: 400, code: -32700, message: /Invalid JSON-RPC/ },
  { name: "an array id", body: toolCall(lookup, [1]), status: 400, code: -32700, message: /Invalid JSON-RPC/ },
  { name: "an id past 2^53", body: toolCall(lookup, 2 ** 60), status: 400, code: -32700, message: /Invalid JSON-RPC/ },
  {
    name: "a batch nested in a batch",
    body: [[toolCall(lookup, 1)], toolCall(lookup, 2)],
    status: 400,
    code: -32700,
    message: /Invalid JSON-RPC/,
  },
  { name: "an empty batch", body: [], status: 400, code: -32600, message: /empty/ },
  {
    name: "a batch whose two calls share an id",
    body: [toolCall(lookup, 7), toolCall({ ...lookup, arguments: { customer_id: "cus_002" } }, 7)],
    status: 400,
    code: -32600,
    message: /more than one request with id 7/,
  },
  {
    name: "a batch from a 2025-06-18 client",
    body: [toolCall(lookup, 1), toolCall(lookup, 2)],
    headers: { "mcp-protocol-version": "2025-06-18" },
    status: 400,
    code: -32600,
    message: /no JSON-RPC batching/,
  },
  {
    name: "a batch with two initialize requests",
    body: [
      request(1, "initialize", {
        protocolVersion: "2025-03-26",
        capabilities: {},
        clientInfo: { name: "x", version: "1" },
      }),
      request(2, "initialize", {
        protocolVersion: "2025-03-26",
        capabilities: {},
        clientInfo: { name: "y", version: "1" },
      }),
    ],
    status: 400,
    code: -32600,
    message: /Only one initialization request/,
  },
  {
    name: "a protocol-version header of garbage",
    body: toolCall(lookup),
    headers: { "mcp-protocol-version": "garbage" },
    status: 400,
    code: -32000,
    message: /Unsupported protocol version/,
  },
  {
    name: "a protocol-version header from the far future",
    body: toolCall(lookup),
    headers: { "mcp-protocol-version": "9999-12-31" },
    status: 400,
    code: -32000,
    message: /Unsupported protocol version/,
  },
  {
    name: "a protocol-version header of 5,000 characters",
    body: toolCall(lookup),
    headers: { "mcp-protocol-version": "2025-06-18".repeat(500) },
    status: 400,
    code: -32000,
    message: /Unsupported protocol version: (2025-06-18){4}… \(supported/,
  },
  {
    name: "a batch under a protocol-version header of garbage",
    body: [toolCall(lookup, 1), toolCall(lookup, 2)],
    headers: { "mcp-protocol-version": "zzz" },
    status: 400,
    code: -32000,
    message: /Unsupported protocol version: zzz/,
  },
  {
    name: "a browser Origin that is not allowed",
    body: toolCall(lookup),
    headers: { origin: "https://evil.example" },
    status: 403,
    code: -32000,
    message: /Origin https:\/\/evil.example is not allowed/,
  },
  {
    name: "a DNS-rebinding Origin that starts like an allowed host",
    body: toolCall(lookup),
    headers: { origin: "http://localhost.evil.example" },
    status: 403,
    code: -32000,
    message: /is not allowed/,
  },
  {
    name: 'the opaque Origin "null" of a sandboxed page',
    body: toolCall(lookup),
    headers: { origin: "null" },
    status: 403,
    code: -32000,
    message: /Origin null is not allowed/,
  },
  {
    name: "an allowed host over the other scheme",
    body: toolCall(lookup),
    headers: { origin: "https://localhost" },
    status: 403,
    code: -32000,
    message: /is not allowed/,
  },
];

describe("requests refused before any call runs", () => {
  it.for(refusedAtTheDoor)(
    "$name is answered $status with JSON-RPC error $code, and nothing is recorded",
    async ({ body, headers, status, code, message }) => {
      const { answer, added } = await observed(() => post(body, headers));
      expect(answer.status).toBe(status);
      expect(answer.json.error).toMatchObject({ code, message: expect.stringMatching(message) });
      expect(answer.json.error.message.length).toBeLessThan(400);
      expect(added).toEqual([]);
    },
  );
});

const invalidParams: { name: string; params: unknown; message: RegExp }[] = [
  { name: "params as an array", params: [lookup], message: /needs params/ },
  { name: "params as a string", params: "payments.lookup_customer", message: /needs params/ },
  { name: "a missing tool name", params: { arguments: {} }, message: /params\.name must be a string/ },
  {
    name: "a tool name that is a number",
    params: { name: 42, arguments: {} },
    message: /params\.name must be a string/,
  },
  { name: "a tool name that is null", params: { name: null }, message: /params\.name must be a string/ },
  { name: "arguments as a number", params: { ...lookup, arguments: 5 }, message: /not a number/ },
  { name: "arguments as a boolean", params: { ...lookup, arguments: true }, message: /not a boolean/ },
  { name: "arguments as an array", params: { ...lookup, arguments: [] }, message: /not an array/ },
  {
    name: "_meta as a string",
    params: { ...lookup, _meta: "cid-1" },
    message: /_meta must be an object, not a string/,
  },
  { name: "_meta as an array", params: { ...lookup, _meta: [1] }, message: /_meta must be an object, not an array/ },
  { name: "_meta as null", params: { ...lookup, _meta: null }, message: /_meta must be an object, not null/ },
];

describe("tools/call with params of the wrong kind", () => {
  it.for(invalidParams)(
    "$name is -32602 with a one-line message for request 31, and runs nothing",
    async ({ params, message }) => {
      const { answer, added } = await observed(() => post(toolCall(params, 31)));
      expect(answer.json).toMatchObject({ id: 31, error: { code: -32602, message: expect.stringMatching(message) } });
      expect(answer.json.error.message).not.toContain("\n");
      expect(added).toEqual([]);
    },
  );
});

/** A tools/call that reaches the pipeline: its outcome from structuredContent. */
const outcomeOf = (answer: Awaited<ReturnType<typeof post>>) => answer.json.result.structuredContent;

describe("tool names no tool has", () => {
  it.for([
    { name: "an empty tool name", tool: "" },
    { name: "a 10 KB tool name", tool: "a".repeat(10_240) },
    { name: "a tool name with NUL and an ANSI escape", tool: "payments.lookup_customer\u0000\u001b[31m" },
    { name: "a tool name with a trailing space", tool: "payments.lookup_customer " },
    { name: "a tool name in fullwidth letters", tool: "ｐａｙｍｅｎｔｓ.lookup_customer" },
  ])(
    "$name ends invalid (unknown_tool) with both ledger entries and a printable name cut to 200 characters",
    async ({ tool }) => {
      const { answer, added } = await observed(() => post(toolCall({ name: tool, arguments: {} })));
      expect(answer.status).toBe(200);
      const outcome = outcomeOf(answer);
      expect(outcome).toMatchObject({ outcome: "invalid", success: false, error: { code: "unknown_tool" } });
      expect(outcome.capability_id.length).toBeLessThanOrEqual(201);
      // eslint-disable-next-line no-control-regex -- finding control characters is the point
      expect(outcome.capability_id).not.toMatch(/[\u0000-\u001f]/);
      // JSON writes a raw control character as \u00XX, and one the records escaped as \\u00XX.
      expect(JSON.stringify(added)).not.toMatch(/(?<!\\)\\u00[01]/);
      expect(added.map((e) => e.kind)).toEqual(["decision", "outcome"]);
      expect(added.every((e) => e.invocation_id === outcome.invocation_id)).toBe(true);
    },
  );
});

describe("requests that are not what they look like", () => {
  it("a tools/call without an id is a notification: answered 202 with no body, and the tool never runs", async () => {
    const { answer, added } = await observed(() => post({ jsonrpc: "2.0", method: "tools/call", params: lookup }));
    expect(answer.status).toBe(202);
    expect(answer.text).toBe("");
    expect(added).toEqual([]);
  });

  it("an initialize under a protocol-version header of garbage negotiates a version instead of failing", async () => {
    const init = request(1, "initialize", {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "x", version: "1" },
    });
    const answer = await post(init, { "mcp-protocol-version": "garbage" });
    expect(answer.status).toBe(200);
    expect(answer.json.result.protocolVersion).toBe("2025-06-18");
  });

  it("a batch of notifications only is answered 202 and runs nothing", async () => {
    const notice = { jsonrpc: "2.0", method: "tools/call", params: lookup };
    const { answer, added } = await observed(() => post([notice, notice]));
    expect(answer.status).toBe(202);
    expect(added).toEqual([]);
  });

  it("a JSON-RPC response sent to the server is accepted as nothing to do", async () => {
    const { answer, added } = await observed(() => post({ jsonrpc: "2.0", id: 1, result: { content: [] } }));
    expect(answer.status).toBe(202);
    expect(added).toEqual([]);
  });

  it("an older client's batch mixing a call and a notification answers the call alone and records it in full", async () => {
    const notice = { jsonrpc: "2.0", method: "notifications/initialized" };
    const { answer, added } = await observed(() => post([toolCall(lookup, "only"), notice]));
    expect(answer.status).toBe(200);
    const answers = [answer.json].flat();
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ id: "only", result: { structuredContent: { outcome: "succeeded" } } });
    expect(added.map((e) => e.kind)).toEqual(["decision", "outcome"]);
  });

  it.for([
    { name: "a 20 KB string id", id: "x".repeat(20_000) },
    { name: "a negative id", id: -1 },
    { name: "the id 0", id: 0 },
  ])("tools/list with $name is answered with that same id", async ({ id }) => {
    const answer = await post(request(id, "tools/list", {}));
    expect(answer.status).toBe(200);
    expect(answer.json.id).toBe(id);
    expect(answer.json.result.tools.length).toBeGreaterThan(0);
  });

  it.for([
    { name: "resources/subscribe", method: "resources/subscribe" },
    { name: "tools/delete", method: "tools/delete" },
    { name: "of 10,000 characters", method: "m".repeat(10_000) },
    { name: "constructor", method: "constructor" },
    { name: "__proto__", method: "__proto__" },
  ])("the unknown method $name is -32601 with a short message, and runs nothing", async ({ method }) => {
    const { answer, added } = await observed(() => post(request(3, method, {})));
    expect(answer.json).toMatchObject({ id: 3, error: { code: -32601 } });
    expect(answer.json.error.message.length).toBeLessThan(200);
    expect(added).toEqual([]);
  });

  it("correlation ids of the wrong type in _meta are dropped and the call still runs once", async () => {
    const { answer, added } = await observed(() =>
      post(toolCall({ ...lookup, _meta: { correlation_id: { nested: true }, session_id: ["s"] } })),
    );
    expect(outcomeOf(answer)).toMatchObject({
      outcome: "succeeded",
      correlation: { correlation_id: null, run_id: null, session_id: null },
    });
    expect(added.map((e) => e.kind)).toEqual(["decision", "outcome"]);
  });

  it("a correlation id over 200 characters is dropped rather than recorded", async () => {
    const { answer, added } = await observed(() =>
      post(toolCall({ ...lookup, _meta: { correlation_id: "c".repeat(5_000) } })),
    );
    expect(outcomeOf(answer).correlation.correlation_id).toBeNull();
    expect(JSON.stringify(added)).not.toContain("c".repeat(201));
  });
});

describe("methods other than POST on /mcp", () => {
  it.for(["GET", "DELETE", "PUT", "PATCH"])(
    "%s is 405 with Allow: POST and a JSON-RPC error, running nothing",
    async (method) => {
      const before = (await ledger()).length;
      const res = await SELF.fetch(`${BASE}/mcp`, {
        method,
        headers: { authorization: `Bearer ${key}`, accept: "application/json, text/event-stream" },
      });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
      expect(((await res.json()) as any).error.code).toBe(-32000);
      expect(await ledger()).toHaveLength(before);
    },
  );
});

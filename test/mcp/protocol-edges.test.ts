import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { admin, call, connect, newTenant, rawMcp } from "../support/worker";

const lookup = (id: number | string, customer_id: string) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "payments.lookup_customer", arguments: { customer_id } },
});

/** Posts a body as an agent; `version` is the MCP-Protocol-Version header a client sends after initializing. */
async function post(key: string, body: unknown, version?: string) {
  const res = await rawMcp(JSON.stringify(body), {
    authorization: `Bearer ${key}`,
    ...(version ? { "mcp-protocol-version": version } : {}),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** The tenant's ledger entries, once the response's trailing writes have landed. */
async function ledger(tenant: string): Promise<{ kind: string; invocation_id: string | null }[]> {
  return (await admin("GET", `/ledger?tenant=${tenant}&limit=1000`)).body.entries;
}

/** Invocation ids that have a decision entry but no outcome entry. */
async function decisionsWithoutOutcome(tenant: string) {
  const entries = await ledger(tenant);
  const outcomes = new Set(entries.filter((e) => e.kind === "outcome").map((e) => e.invocation_id));
  return entries.filter((e) => e.kind === "decision" && !outcomes.has(e.invocation_id)).map((e) => e.invocation_id);
}

describe("JSON-RPC batches", () => {
  it("refuses a batch whose requests share an id, running none of them", async () => {
    const { key, tenant } = await newTenant();
    const res = await post(key, [lookup(1, "cus_001"), lookup(1, "cus_002")]);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(-32600);
    expect(res.body.error.message).toMatch(/more than one request with id 1/);
    expect(await ledger(tenant)).toEqual([]);
  });

  it('counts ids 1 and "1" as shared, and refuses an empty batch', async () => {
    const { key, tenant } = await newTenant();
    const shared = await post(key, [lookup(1, "cus_001"), lookup("1", "cus_002")]);
    expect(shared.status).toBe(400);
    expect(shared.body.error.code).toBe(-32600);
    const empty = await post(key, []);
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatchObject({ code: -32600, message: expect.stringMatching(/empty/) });
    expect(await ledger(tenant)).toEqual([]);
  });

  it("refuses a batch that cancels one of its own requests (the SDK would never answer it)", async () => {
    const { key, tenant } = await newTenant();
    const cancel = { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } };
    const answer = post(key, [lookup(1, "cus_001"), cancel]);
    const res = await Promise.race([answer, new Promise<null>((resolve) => setTimeout(() => resolve(null), 3000))]);
    expect(res?.status).toBe(400);
    expect(res?.body.error).toMatchObject({ code: -32600, message: expect.stringMatching(/cancel/) });
    expect(await ledger(tenant)).toEqual([]);
  });

  it("refuses any batch from a client speaking MCP 2025-06-18 or later, which removed batching", async () => {
    const { key, tenant } = await newTenant();
    for (const version of ["2025-06-18", "2025-11-25"]) {
      const res = await post(key, [lookup(1, "cus_001"), lookup(2, "cus_002")], version);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: -32600, message: expect.stringMatching(/no JSON-RPC batching/) });
    }
    expect(await ledger(tenant)).toEqual([]);
  });

  it("answers each call of an older client's batch with its own arguments and records each in full", async () => {
    const { key, tenant } = await newTenant();
    const res = await post(key, [lookup("a", "cus_001"), lookup("b", "cus_003")]);
    expect(res.status).toBe(200);
    const byId = new Map((res.body as any[]).map((answer) => [answer.id, answer.result.structuredContent]));
    expect(JSON.stringify(byId.get("a").data)).toContain("Acme");
    expect(JSON.stringify(byId.get("b").data)).toContain("Initech");
    const decisions = (await ledger(tenant)).filter((e) => e.kind === "decision");
    expect(decisions).toHaveLength(2);
    expect(await decisionsWithoutOutcome(tenant)).toEqual([]);
  });

  it("refuses a batch mixing a valid call with a malformed one, running neither", async () => {
    const { key, tenant } = await newTenant();
    const res = await post(key, [lookup(1, "cus_001"), { jsonrpc: "2.0", id: 2, method: "tools/call" }]);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(-32602);
    expect(res.body.error.message).toMatch(/request 2: tools\/call needs params/);
    expect(await ledger(tenant)).toEqual([]);
  });
});

describe("tools/call with malformed params", () => {
  it.each([
    ["no params", undefined, /needs params/],
    ["params that are not an object", "payments.lookup_customer", /needs params/],
    ["no tool name", { arguments: {} }, /params\.name must be a string/],
    ["a tool name that is not a string", { name: 42 }, /params\.name must be a string/],
    ["arguments that are an array", { name: "payments.lookup_customer", arguments: ["cus_001"] }, /not an array/],
    ["arguments that are a string", { name: "payments.lookup_customer", arguments: "cus_001" }, /not a string/],
    ["arguments that are null", { name: "payments.lookup_customer", arguments: null }, /not null/],
    ["_meta that is not an object", { name: "payments.lookup_customer", arguments: {}, _meta: 5 }, /_meta/],
  ])("answers %s with -32602 and a one-line message, recording nothing", async (_, params, message) => {
    const { key, tenant } = await newTenant();
    const res = await post(key, { jsonrpc: "2.0", id: 9, method: "tools/call", params });
    expect(res.body.id).toBe(9);
    expect(res.body.error.code).toBe(-32602);
    expect(res.body.error.message).toMatch(message);
    expect(res.body.error.message).not.toContain("\n");
    expect(res.body.error.message.length).toBeLessThan(200);
    expect(await ledger(tenant)).toEqual([]);
  });

  it.each([
    ["tools/list", { cursor: 5 }, /^Invalid params: tools\/list params\.cursor: /],
    ["initialize", undefined, /^Invalid params: initialize params: /],
    ["tools/call", { name: "payments.lookup_customer", task: "now" }, /^Invalid params: tools\/call params\.task: /],
  ])("answers %s with params its schema refuses with -32602 naming the field", async (method, params, message) => {
    const { key } = await newTenant();
    const res = await post(key, { jsonrpc: "2.0", id: "x", method, params });
    expect(res.body).toMatchObject({ id: "x", error: { code: -32602, message: expect.stringMatching(message) } });
    expect(res.body.error.message).not.toContain("\n");
  });

  it.each(["constructor", "__proto__", "toString"])("answers an unknown method named %s as unknown", async (method) => {
    const { key } = await newTenant();
    const res = await post(key, { jsonrpc: "2.0", id: 1, method, params: {} });
    expect(res.body.error.code).toBe(-32601);
  });

  it("gives the SDK client an McpError with code -32602 for arguments that are not an object", async () => {
    const { key } = await newTenant();
    const client = await connect(key);
    const error = await client
      .callTool({ name: "payments.lookup_customer", arguments: ["cus_001"] as never })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32602);
  });

  it("keeps arguments that are an object but do not fit the schema as an invalid outcome", async () => {
    const { key } = await newTenant();
    const { outcome } = await call(await connect(key), "payments.lookup_customer", { customer_id: 7 });
    expect(outcome).toMatchObject({ outcome: "invalid", error: { code: "invalid_arguments" } });
  });
});

describe("the ledger after odd requests", () => {
  it("has an outcome entry for every decision entry", async () => {
    const { key, tenant } = await newTenant();
    await post(key, [lookup(1, "cus_001"), lookup(1, "cus_002")]);
    await post(key, { jsonrpc: "2.0", id: 2, method: "tools/call" });
    await post(key, { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "x.y", arguments: [1] } });
    await post(key, [lookup(4, "cus_001"), { jsonrpc: "2.0", id: 5, method: "tools/call", params: {} }]);
    await post(key, [lookup(6, "cus_002"), lookup(7, "cus_003")]);
    const client = await connect(key);
    await call(client, "payments.print_money", {});
    await call(client, "payments.lookup_customer", { customer_id: "cus_002" });
    const kinds = (await ledger(tenant)).map((e) => e.kind);
    expect(kinds.filter((kind) => kind === "decision")).toHaveLength(4);
    expect(await decisionsWithoutOutcome(tenant)).toEqual([]);
  });
});

describe("a lone tools/call (the hot path, served without the SDK's HTTP transport)", () => {
  it.each([7, "call-7"])("answers with 200, application/json and its result under the request's id %j", async (id) => {
    const { key, tenant } = await newTenant();
    const res = await rawMcp(JSON.stringify(lookup(id, "cus_001")), { authorization: `Bearer ${key}` });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ jsonrpc: "2.0", id, result: { structuredContent: { outcome: "succeeded" } } });
    expect(await decisionsWithoutOutcome(tenant)).toEqual([]);
  });

  it("says in Server-Timing how long authentication, the policy snapshot and the whole request waited", async () => {
    const { key } = await newTenant();
    const res = await rawMcp(JSON.stringify(lookup(1, "cus_001")), { authorization: `Bearer ${key}` });
    expect(res.headers.get("server-timing")).toMatch(
      /^auth;dur=\d+\.\d, policy;dur=\d+\.\d;desc="policy snapshot", total;dur=\d+\.\d$/,
    );
  });

  it("still gets the transport's refusals: an Accept without event streams, a body that is not JSON by type", async () => {
    const { key, tenant } = await newTenant();
    const body = JSON.stringify(lookup(1, "cus_001"));
    const auth = { authorization: `Bearer ${key}` };
    expect((await rawMcp(body, { ...auth, accept: "application/json" })).status).toBe(406);
    expect((await rawMcp(body, { ...auth, "content-type": "text/plain" })).status).toBe(415);
    expect(await ledger(tenant)).toEqual([]);
  });

  it("still gets the transport's refusal of a request with a member JSON-RPC does not define, running nothing", async () => {
    const { key, tenant } = await newTenant();
    const res = await post(key, { ...lookup(1, "cus_001"), extra: true });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(-32700);
    expect(await ledger(tenant)).toEqual([]);
  });
});

import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { standardRows } from "../fixtures/policies";
import { admin, auditRows, BASE, call, connect, newTenant, rawMcp } from "../support/worker";

const callBody = (name: string, args: unknown) =>
  JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name, arguments: args } });

describe("protocol-level bad input", () => {
  it("answers GET /mcp with 405 and Allow: POST", async () => {
    const res = await SELF.fetch(`${BASE}/mcp`);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });

  it("answers malformed JSON with a JSON-RPC parse error", async () => {
    const { key } = await newTenant();
    const res = await rawMcp("{ not json", { authorization: `Bearer ${key}` });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.code).toBe(-32700);
  });

  it("answers a body that is not JSON-RPC with a structured error", async () => {
    const { key } = await newTenant();
    const res = await rawMcp(JSON.stringify({ hello: "world" }), { authorization: `Bearer ${key}` });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error).toBeDefined();
  });

  it("refuses bodies over 1 MB with 413", async () => {
    const { key } = await newTenant();
    const res = await rawMcp(callBody("payments.lookup_customer", { customer_id: "x".repeat(1_100_000) }), {
      authorization: `Bearer ${key}`,
    });
    expect(res.status).toBe(413);
  });

  it("refuses a browser Origin that is not allowed (DNS-rebinding protection)", async () => {
    const { key } = await newTenant();
    const res = await rawMcp(callBody("payments.lookup_customer", {}), {
      authorization: `Bearer ${key}`,
      origin: "https://evil.example",
    });
    expect(res.status).toBe(403);
    const ok = await rawMcp(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }), {
      authorization: `Bearer ${key}`,
      origin: "http://localhost:6274",
    });
    expect(ok.status).toBe(200);
  });

  it.each(["2025-06-18", "2025-11-25"])("initializes with clients speaking %s", async (version) => {
    const { key } = await newTenant();
    const res = await rawMcp(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: version, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
      }),
      { authorization: `Bearer ${key}` },
    );
    const body = (await res.json()) as any;
    expect(body.result.protocolVersion).toBe(version);
    expect(body.result.serverInfo.name).toBe("policy-os");
    const list = await rawMcp(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }), {
      authorization: `Bearer ${key}`,
      "mcp-protocol-version": version,
    });
    expect(((await list.json()) as any).result.tools.length).toBeGreaterThan(0);
  });
});

describe("invalid tool calls", () => {
  it("answers an unknown tool with outcome invalid and records it", async () => {
    const { key, tenant } = await newTenant({ rows: standardRows });
    const { outcome, isError } = await call(await connect(key), "payments.print_money", {});
    expect(isError).toBe(true);
    expect(outcome).toMatchObject({
      outcome: "invalid",
      status: "invalid",
      error: { code: "unknown_tool", retryable: false },
    });
    expect((await auditRows(tenant, 1))[0]).toMatchObject({
      outcome: "invalid",
      tool: "payments.print_money",
    });
    // The release that put the tenant's policies live, then the call's decision and outcome.
    expect((await admin("GET", `/ledger/verify?tenant=${tenant}`)).body).toEqual({
      ok: true,
      entries: 3,
      first_bad_seq: null,
    });
  });

  it("records an absurdly long tool name cut to 200 characters", async () => {
    const { key, tenant } = await newTenant();
    const { outcome } = await call(await connect(key), `payments.${"x".repeat(100_000)}`, {});
    expect(outcome).toMatchObject({ outcome: "invalid", error: { code: "unknown_tool" } });
    expect(outcome.capability_id.length).toBeLessThanOrEqual(201);
    expect((await auditRows(tenant, 1))[0].tool.length).toBeLessThanOrEqual(201);
  });

  it("answers arguments that fail the tool's schema with the failing path, running nothing", async () => {
    const { key } = await newTenant({ rows: standardRows });
    const client = await connect(key);
    const { outcome } = await call(client, "payments.create_refund", {
      customer_id: "cus_002",
      amount_cents: "lots",
      reason: "x",
    });
    expect(outcome).toMatchObject({ outcome: "invalid", error: { code: "invalid_arguments" } });
    expect(JSON.stringify(outcome.error?.details)).toContain("amount_cents");
    const refunds = await call(client, "payments.list_refunds", { customer_id: "cus_002" });
    expect(refunds.outcome.outcome).toBe("succeeded");
    expect((refunds.outcome.data as { refunds: unknown[] }).refunds).toEqual([]);
  });

  it("refuses __proto__ and constructor keys anywhere in the arguments", async () => {
    const { key } = await newTenant();
    for (const body of [
      '{"customer_id":"cus_002","__proto__":{"admin":true}}',
      '{"customer_id":"cus_002","nested":{"constructor":{"prototype":{}}}}',
    ]) {
      const res = await rawMcp(
        `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"payments.lookup_customer","arguments":${body}}}`,
        {
          authorization: `Bearer ${key}`,
        },
      );
      const result = ((await res.json()) as any).result;
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toMatchObject({ outcome: "invalid", error: { code: "invalid_arguments" } });
    }
  });

  it("refuses arguments nested deeper than 32 levels", async () => {
    const { key } = await newTenant();
    const deep = "[".repeat(5000) + "]".repeat(5000);
    const res = await rawMcp(
      callBody("payments.lookup_customer", { customer_id: "cus_002", extra: JSON.parse(deep) }),
      {
        authorization: `Bearer ${key}`,
      },
    );
    const result = ((await res.json()) as any).result;
    expect(result.structuredContent).toMatchObject({ outcome: "invalid", error: { code: "invalid_arguments" } });
    expect(result.structuredContent.error.message).toMatch(/deeper than 32/);
  });

  it("rejects invalid policy rows with their reasons and changes nothing", async () => {
    const { tenant } = await newTenant({ rows: standardRows });
    const before = (await admin("GET", `/policies?tenant=${tenant}`)).body.snapshot;
    const bad = [
      { ...standardRows[0], "Policy ID": "bad_cel", Condition: "args.amount_cents >" },
      { ...standardRows[1], "Policy ID": "bad_glob", Tools: "crm delete" },
      { ...standardRows[2], "Policy ID": "bad_mode", Mode: "hold" },
    ];
    const res = await admin("PUT", `/policies?tenant=${tenant}`, { rows: bad });
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((r: any) => r.row)).toEqual(["bad_cel", "bad_glob", "bad_mode"]);
    expect(res.body.error.details[0].reason).toMatch(/Condition/);
    expect(res.body.error.details[1].reason).toMatch(/Tools/);
    expect(res.body.error.details[2].reason).toMatch(/Mode/);
    expect((await admin("GET", `/policies?tenant=${tenant}`)).body.snapshot).toBe(before);
  });
});

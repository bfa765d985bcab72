import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { HostConfig } from "../../src/hosts/host-config";
import { createUpstreamHost } from "../../src/hosts/upstream-mcp";
import { createHostRegistry } from "../../src/hosts/registry";
import { callContext, uniqueTenant } from "./helpers";
import { useNetwork } from "./upstream";

const db = (env as unknown as { DB: D1Database }).DB;
const net = useNetwork();
const SECRET = "s3cr3t-upstream-token";
const AGENT_KEY = "pos_agent_key_that_must_stay_home";
const PUBLIC_ONLY = { allowPrivate: false };

function hostConfig(tenant_id: string, url: string, extra: Partial<HostConfig> = {}): HostConfig {
  return {
    tenant_id,
    id: "tickets",
    kind: "mcp",
    label: "Tickets",
    url,
    auth_secret: null,
    auth_header: "Authorization",
    timeout_ms: 2_000,
    created_at: "2026-01-01T00:00:00.000Z",
    ...extra,
  };
}

async function registered(options: Parameters<typeof net.upstream>[0] = {}, timeout_ms = 2_000) {
  const tenant = uniqueTenant("up");
  const { url, fake } = net.upstream(options);
  const registry = createHostRegistry({ db, secrets: { TICKETS_AUTH: `Bearer ${SECRET}`, AGENT_KEY } });
  const result = await registry.registerUpstreamHost(tenant, {
    id: "tickets",
    url,
    timeout_ms,
    ...(options.auth ? { auth_secret: "TICKETS_AUTH" } : {}),
  });
  if (!result.ok) throw new Error(result.error.message);
  const call = async (tool: string, args: Record<string, unknown>, invocation_id = "inv_test_1") => {
    const resolved = await registry.resolve(tenant, `tickets.${tool}`);
    if (!resolved) throw new Error(`tickets.${tool} did not resolve`);
    return resolved.host.call(resolved.descriptor.tool, args, callContext(tenant, invocation_id));
  };
  return { tenant, url, fake, registry, call };
}

describe("upstream MCP host: calls", () => {
  it("forwards a call as one POST carrying the invocation id and the configured auth header, and nothing else", async () => {
    const { fake, call } = await registered({ auth: { header: "Authorization", value: `Bearer ${SECRET}` } });
    const before = fake.requests.length;
    const result = await call("create_ticket", { title: "Printer on fire", priority: "high" }, "inv_abc123");
    expect(result).toEqual({
      ok: true,
      data: { id: "T-1", title: "Printer on fire", priority: "high" },
      content: [{ type: "text", text: "Created T-1" }],
      host_ref: expect.stringMatching(/^tickets:tickets-\d+\.upstream\.example$/),
    });
    const sent = fake.requests.slice(before);
    expect(sent.map((r) => r.rpc_method)).toEqual(["tools/call"]);
    const [request] = sent;
    expect(request?.meta).toEqual({ "policy-os/invocation_id": "inv_abc123" });
    expect(request?.headers).toMatchObject({
      authorization: `Bearer ${SECRET}`,
      "x-policy-os-invocation-id": "inv_abc123",
      "mcp-protocol-version": expect.any(String),
      accept: "application/json, text/event-stream",
    });
    const allowed = [
      "accept",
      "authorization",
      "content-length",
      "content-type",
      "mcp-protocol-version",
      "x-policy-os-invocation-id",
    ];
    expect(Object.keys(request?.headers ?? {}).filter((h) => !allowed.includes(h))).toEqual([]);
    expect(JSON.stringify(fake.requests)).not.toContain(AGENT_KEY);
  });

  it("opens a session once per isolate, then sends each call as a single POST", async () => {
    const tenant = uniqueTenant("cold");
    const { url, fake } = net.upstream();
    const host = createUpstreamHost(hostConfig(tenant, url), {}, PUBLIC_ONLY);
    await host.call("create_ticket", { title: "a", priority: "low" }, callContext(tenant, "inv_1"));
    await host.call("create_ticket", { title: "b", priority: "low" }, callContext(tenant, "inv_2"));
    expect(fake.requests.map((r) => r.rpc_method)).toEqual([
      "initialize",
      "notifications/initialized",
      "tools/call",
      "tools/call",
    ]);
    expect(fake.tickets).toHaveLength(2);
  });

  it("reads a tool result sent as an SSE stream", async () => {
    const { call } = await registered({ sse: true });
    expect(await call("create_ticket", { title: "Streamed", priority: "normal" })).toMatchObject({
      ok: true,
      data: { id: "T-1", title: "Streamed" },
    });
  });

  it("returns content when the tool gives no structured content", async () => {
    const { call } = await registered();
    await call("create_ticket", { title: "x", priority: "low" });
    expect(await call("get_ticket", { id: "T-1" })).toMatchObject({
      ok: true,
      data: { content: [{ type: "text", text: JSON.stringify({ id: "T-1", title: "x", priority: "low" }) }] },
    });
  });

  it("maps a tool result with isError to host_error, with the tool's message", async () => {
    const { call } = await registered();
    expect(await call("fail_ticket", { id: "T-9" })).toMatchObject({
      ok: false,
      error: { code: "host_error", message: "Ticket T-9 is locked", retryable: false },
    });
  });

  it("maps a JSON-RPC error to host_rejected, not retryable", async () => {
    const { call } = await registered({ rejectTools: ["create_ticket"] });
    const result = await call("create_ticket", { title: "x", priority: "low" });
    expect(result).toMatchObject({ ok: false, error: { code: "host_rejected", retryable: false } });
    if (!result.ok) expect(result.error.message).toContain("refuses these arguments");
  });

  it("blots out the auth secret when an upstream quotes it back in an error", async () => {
    const { call } = await registered({
      auth: { header: "Authorization", value: `Bearer ${SECRET}` },
      rejectTools: ["create_ticket"],
      echoAuthorization: true,
    });
    const result = await call("create_ticket", { title: "x", priority: "low" });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "host_rejected", message: expect.stringContaining("[redacted]") },
    });
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it("maps an upstream that drops the connection under a sent call to host_unavailable, not retryable: it may have run", async () => {
    const { fake, call } = await registered();
    fake.setMode("down");
    const before = fake.requests.length;
    const result = await call("create_ticket", { title: "x", priority: "low" });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "host_unavailable", retryable: false, message: expect.stringContaining("may have run") },
    });
    expect(fake.requests.slice(before).map((r) => r.rpc_method)).toEqual(["tools/call"]);
  });

  it.each([
    ["answering 503", "error5xx"],
    ["answering 429", "rate_limited"],
  ] as const)(
    "maps an upstream that is %s to host_unavailable, retryable, and sends the call only once",
    async (_label, mode) => {
      const { fake, call } = await registered();
      fake.setMode(mode);
      const before = fake.requests.length;
      const result = await call("create_ticket", { title: "x", priority: "low" });
      expect(result).toMatchObject({ ok: false, error: { code: "host_unavailable", retryable: true } });
      expect(fake.requests.slice(before).map((r) => r.rpc_method)).toEqual(["tools/call"]);
    },
  );

  it("gives up at the host's timeout with host_unavailable, not retryable since the call may have run", async () => {
    const { fake, call } = await registered({ slowMs: 3_000 }, 150);
    fake.setMode("slow");
    const started = Date.now();
    const result = await call("create_ticket", { title: "x", priority: "low" });
    expect(result).toMatchObject({ ok: false, error: { code: "host_unavailable", retryable: false } });
    if (!result.ok) expect(result.error.message).toContain("150 ms");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("stops when the pipeline's signal aborts", async () => {
    const { fake, tenant, registry } = await registered({ slowMs: 3_000 });
    fake.setMode("slow");
    const resolved = await registry.resolve(tenant, "tickets.create_ticket");
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const result = await resolved!.host.call(
      "create_ticket",
      { title: "x", priority: "low" },
      callContext(tenant, "inv_a", controller.signal),
    );
    expect(result).toMatchObject({
      ok: false,
      error: { code: "host_unavailable", message: expect.stringContaining("deadline") },
    });
  });

  it("re-initializes once when the server answers 404 to an expired session, and runs the call once", async () => {
    const { fake, call } = await registered({ sessions: true });
    expect(await call("create_ticket", { title: "first", priority: "low" })).toMatchObject({ ok: true });
    fake.expireSessions();
    const before = fake.requests.length;
    expect(await call("create_ticket", { title: "second", priority: "low" })).toMatchObject({
      ok: true,
      data: { id: "T-2" },
    });
    expect(fake.requests.slice(before).map((r) => r.rpc_method)).toEqual([
      "tools/call",
      "initialize",
      "notifications/initialized",
      "tools/call",
    ]);
    const [stale, , , fresh] = fake.requests.slice(before);
    expect(stale?.headers["mcp-session-id"]).not.toEqual(fresh?.headers["mcp-session-id"]);
    expect(fake.tickets.map((t) => t.title)).toEqual(["first", "second"]);
  });

  it("refuses to call a host whose auth secret is missing, naming the secret but never a value", async () => {
    const tenant = uniqueTenant("nosecret");
    const { url, fake } = net.upstream();
    const host = createUpstreamHost(
      hostConfig(tenant, url, { auth_secret: "MISSING_TOKEN" }),
      { OTHER: SECRET },
      PUBLIC_ONLY,
    );
    const result = await host.call("create_ticket", { title: "x", priority: "low" }, callContext(tenant, "inv_1"));
    expect(result).toMatchObject({
      ok: false,
      error: { code: "host_rejected", message: expect.stringContaining("MISSING_TOKEN") },
    });
    expect(fake.requests).toEqual([]);
  });

  it("maps 401 from an upstream to host_rejected without echoing the credentials", async () => {
    const tenant = uniqueTenant("unauth");
    const { url } = net.upstream({ auth: { header: "Authorization", value: "Bearer right" } });
    const host = createUpstreamHost(
      hostConfig(tenant, url, { auth_secret: "TOKEN" }),
      { TOKEN: `Bearer ${SECRET}` },
      PUBLIC_ONLY,
    );
    const result = await host.call("create_ticket", { title: "x", priority: "low" }, callContext(tenant, "inv_1"));
    expect(result).toMatchObject({ ok: false, error: { code: "host_rejected", retryable: false } });
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });
});

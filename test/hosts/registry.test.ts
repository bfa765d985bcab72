import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { upsertHostStatement } from "../../src/db/hosts";
import { enableDemoHosts } from "../../src/hosts/demo/enable-demo-hosts";
import { createHostRegistry } from "../../src/hosts/registry";
import { uniqueTenant } from "./helpers";
import { useNetwork } from "./upstream";

const db = (env as unknown as { DB: D1Database }).DB;
const net = useNetwork();
const TTL = 60_000;

function clockedRegistry(secrets: Record<string, unknown> = {}) {
  const clock = { t: Date.parse("2026-05-01T10:00:00Z") };
  const registry = createHostRegistry({ db, secrets, now: () => clock.t, catalogTtlMs: TTL });
  return { clock, registry };
}

describe("host registry", () => {
  it("federates an upstream's tools as ns.tool with their schemas, annotations and versions", async () => {
    const tenant = uniqueTenant("fed");
    const { url } = net.upstream({ version: "2.3.0" });
    const { registry } = clockedRegistry();
    const registered = await registry.registerUpstreamHost(tenant, { id: "tickets", url, label: "Tickets" });
    expect(registered).toMatchObject({
      ok: true,
      host: { id: "tickets", kind: "mcp", label: "Tickets", tool_count: 3 },
    });
    const tools = await registry.catalog(tenant);
    expect(tools.map((t) => t.name)).toEqual(["tickets.create_ticket", "tickets.get_ticket", "tickets.fail_ticket"]);
    expect(tools[0]).toMatchObject({
      host: "tickets",
      tool: "create_ticket",
      title: "Create ticket",
      description: "Open a support ticket.",
      version: "2.3.0",
      demo: false,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
      input_schema: {
        type: "object",
        required: ["title", "priority"],
        properties: { priority: { type: "string", enum: ["low", "normal", "high"], description: "How urgent it is" } },
      },
    });
    expect(tools[1]).toMatchObject({ version: "1.4.0", annotations: { readOnlyHint: true } });
  });

  it("reads every page of tools/list", async () => {
    const tenant = uniqueTenant("pages");
    const { url, fake } = net.upstream({ pageSize: 1 });
    const { registry } = clockedRegistry();
    await registry.registerUpstreamHost(tenant, { id: "tickets", url });
    expect((await registry.catalog(tenant)).map((t) => t.tool)).toEqual(["create_ticket", "get_ticket", "fail_ticket"]);
    expect(fake.calls("tools/list")).toHaveLength(3);
  });

  it("serves the catalog from cache without asking the upstream, and fetches it again after the TTL", async () => {
    const tenant = uniqueTenant("ttl");
    const { url, fake } = net.upstream();
    const { clock, registry } = clockedRegistry();
    await registry.registerUpstreamHost(tenant, { id: "tickets", url });
    await registry.catalog(tenant);
    await registry.catalog(tenant);
    registry.invalidate(tenant);
    expect(await registry.catalog(tenant)).toHaveLength(3);
    expect(fake.calls("tools/list")).toHaveLength(1);

    clock.t += TTL;
    expect(await registry.catalog(tenant)).toHaveLength(3);
    expect(fake.calls("tools/list")).toHaveLength(2);
    await registry.resolve(tenant, "tickets.get_ticket");
    expect(fake.calls("tools/list")).toHaveLength(2);
  });

  it("keeps an upstream's last tools when it is down at refresh, and records why", async () => {
    const tenant = uniqueTenant("down");
    const { url, fake } = net.upstream();
    const { clock, registry } = clockedRegistry();
    const registered = await registry.registerUpstreamHost(tenant, { id: "tickets", url });
    const fetched_at = registered.ok ? registered.host.fetched_at : null;
    fake.setMode("down");
    clock.t += TTL;
    expect(await registry.catalog(tenant)).toHaveLength(3);
    const [status] = await registry.listHosts(tenant);
    expect(status).toMatchObject({
      id: "tickets",
      tool_count: 3,
      fetched_at,
      error: expect.stringContaining("could not be reached"),
    });
    expect(await registry.resolve(tenant, "tickets.create_ticket")).not.toBeNull();

    fake.setMode("ok");
    await registry.refresh(tenant);
    expect((await registry.listHosts(tenant))[0]?.error).toBeNull();
  });

  it("lists no tools for an upstream that never answered", async () => {
    const tenant = uniqueTenant("never");
    const { url } = net.upstream({ mode: "down" });
    await db.batch([
      upsertHostStatement(db, {
        tenant_id: tenant,
        id: "tickets",
        kind: "mcp",
        label: "Tickets",
        url,
        auth_secret: null,
        auth_header: "Authorization",
        timeout_ms: 1_000,
        created_at: "2026-01-01T00:00:00.000Z",
      }),
    ]);
    await enableDemoHosts(db, tenant);
    const { registry } = clockedRegistry();
    const tools = await registry.catalog(tenant);
    expect(tools.some((t) => t.host === "tickets")).toBe(false);
    expect(tools).toHaveLength(9);
    expect((await registry.listHosts(tenant)).find((h) => h.id === "tickets")).toMatchObject({
      tool_count: 0,
      fetched_at: null,
    });
  });

  it("registers a host with the auth header read from the named secret", async () => {
    const tenant = uniqueTenant("auth");
    const { url, fake } = net.upstream({ auth: { header: "X-Api-Key", value: "k-123" } });
    const { registry } = clockedRegistry({ TICKETS_AUTH: "k-123" });
    const result = await registry.registerUpstreamHost(tenant, {
      id: "tickets",
      url,
      auth_secret: "TICKETS_AUTH",
      auth_header: "X-Api-Key",
    });
    expect(result).toMatchObject({ ok: true, host: { auth_secret: "TICKETS_AUTH", auth_header: "X-Api-Key" } });
    expect(JSON.stringify(result)).not.toContain("k-123");
    expect(fake.requests.filter((r) => r.method === "POST").every((r) => r.headers["x-api-key"] === "k-123")).toBe(
      true,
    );
  });

  it("does not register an upstream it cannot reach, and says only that it could not be reached", async () => {
    const tenant = uniqueTenant("unreachable");
    const { url } = net.upstream({ mode: "error5xx" });
    const { registry } = clockedRegistry();
    const result = await registry.registerUpstreamHost(tenant, { id: "tickets", url });
    expect(result).toEqual({
      ok: false,
      error: { code: "host_unreachable", message: expect.stringContaining("could not be reached") },
    });
    expect(JSON.stringify(result)).not.toContain("503");
    expect(await registry.listHosts(tenant)).toEqual([]);
  });

  it("does not register an upstream that refuses the credentials, and never shows them", async () => {
    const tenant = uniqueTenant("refused");
    const { url } = net.upstream({ auth: { header: "Authorization", value: "Bearer right" } });
    const { registry } = clockedRegistry({ TICKETS_AUTH: "Bearer wrong-secret-value" });
    const result = await registry.registerUpstreamHost(tenant, { id: "tickets", url, auth_secret: "TICKETS_AUTH" });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "host_unreachable", message: expect.stringContaining("credentials") },
    });
    expect(JSON.stringify(result)).not.toContain("wrong-secret-value");
  });

  it.each([
    ["a namespace with capitals", { id: "Tickets" }, "id"],
    ["a namespace with a dot", { id: "tick.ets" }, "id"],
    ["a demo host's namespace", { id: "payments" }, "reserved"],
    ["the governance namespace", { id: "governance" }, "reserved"],
    ["a non-http URL", { url: "ftp://tickets.example/mcp" }, "http"],
    ["a secret that is not set", { auth_secret: "NOPE_AUTH" }, "NOPE_AUTH"],
    ["one of the Worker's own secrets", { auth_secret: "ADMIN_TOKEN" }, "_AUTH"],
  ])("refuses %s", async (_label, override, mentions) => {
    const tenant = uniqueTenant("invalid");
    const { registry } = clockedRegistry();
    const result = await registry.registerUpstreamHost(tenant, {
      id: "tickets",
      url: "https://tickets.example/mcp",
      ...override,
    });
    expect(result).toMatchObject({
      ok: false,
      error: { code: "invalid_host", message: expect.stringContaining(mentions) },
    });
    expect(await registry.listHosts(tenant)).toEqual([]);
  });

  it("removes a host and its tools", async () => {
    const tenant = uniqueTenant("remove");
    const { url } = net.upstream();
    const { registry } = clockedRegistry();
    await registry.registerUpstreamHost(tenant, { id: "tickets", url });
    expect(await registry.removeHost(tenant, "tickets")).toBe(true);
    expect(await registry.catalog(tenant)).toEqual([]);
    expect(await registry.resolve(tenant, "tickets.create_ticket")).toBeNull();
    expect(await registry.removeHost(tenant, "tickets")).toBe(false);
  });

  it("resolves only names of the tenant's own hosts and tools", async () => {
    const a = uniqueTenant("iso_a");
    const b = uniqueTenant("iso_b");
    const { url } = net.upstream();
    const { registry } = clockedRegistry();
    await registry.registerUpstreamHost(a, { id: "tickets", url });
    expect(await registry.catalog(b)).toEqual([]);
    expect(await registry.listHosts(b)).toEqual([]);
    expect(await registry.resolve(b, "tickets.create_ticket")).toBeNull();
    expect(await registry.resolve(a, "tickets.no_such_tool")).toBeNull();
    expect(await registry.resolve(a, "tickets")).toBeNull();
    expect(await registry.resolve(a, "tickets.create_ticket")).toMatchObject({
      host: { id: "tickets", kind: "mcp" },
      descriptor: { name: "tickets.create_ticket" },
    });
  });
});

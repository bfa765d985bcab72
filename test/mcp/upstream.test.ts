import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createFakeUpstream } from "../fakes/upstream-mcp";
import { admin, auditRows, call, connect, newTenant } from "../support/worker";

const URL_ = "https://tickets.upstream.test/mcp";
const upstream = createFakeUpstream({ url: URL_, auth: { header: "authorization", value: "Bearer upstream-secret" } });
const msw = setupServer(...upstream.handlers);

beforeAll(() => msw.listen({ onUnhandledRequest: "error" }));
afterEach(() => upstream.setMode("ok"));
afterAll(() => msw.close());

async function tenantWithTickets() {
  const t = await newTenant({ rows: [] });
  const registered = await admin("POST", `/hosts?tenant=${t.tenant}`, {
    id: "tickets",
    url: URL_,
    auth_secret: "TICKETS_AUTH",
  });
  expect(registered.status).toBe(201);
  return t;
}

describe("an upstream MCP host through the Worker", () => {
  it("federates its tools under the host's namespace with their policy state", async () => {
    const { key } = await tenantWithTickets();
    const { tools } = await (await connect(key)).listTools();
    const ticketTools = tools.filter((t) => t.name.startsWith("tickets."));
    expect(ticketTools.map((t) => t.name)).toEqual(
      expect.arrayContaining(["tickets.create_ticket", "tickets.get_ticket"]),
    );
    expect(ticketTools.every((t) => typeof (t._meta?.["policy-os/policy_state"] as any)?.state === "string")).toBe(
      true,
    );
  });

  it("forwards a call with the invocation id and the host's own credential, never the agent's key", async () => {
    const { key } = await tenantWithTickets();
    const before = upstream.calls("tools/call").length;
    const { outcome } = await call(await connect(key), "tickets.create_ticket", {
      title: "Printer on fire",
      priority: "high",
    });
    expect(outcome.outcome).toBe("succeeded");
    const forwarded = upstream.calls("tools/call").slice(before);
    expect(forwarded).toHaveLength(1);
    expect(forwarded[0]!.meta?.["policy-os/invocation_id"]).toBe(outcome.invocation_id);
    expect(forwarded[0]!.headers.authorization).toBe("Bearer upstream-secret");
    expect(JSON.stringify(forwarded[0]!.headers)).not.toContain(key);
  });

  it("does not fetch the upstream's tool list on every call", async () => {
    const { key } = await tenantWithTickets();
    const client = await connect(key);
    await client.listTools();
    const lists = upstream.calls("tools/list").length;
    for (let i = 0; i < 3; i++) await call(client, "tickets.get_ticket", { id: "T-1" });
    await client.listTools();
    expect(upstream.calls("tools/list").length).toBe(lists);
  });

  it("reports a host that drops the call as failed with host_unavailable, not retryable (it may have run), never as a denial", async () => {
    const { key, tenant } = await tenantWithTickets();
    const client = await connect(key);
    upstream.setMode("down");
    const { outcome, isError } = await call(client, "tickets.create_ticket", { title: "x", priority: "low" });
    expect(isError).toBe(true);
    expect(outcome).toMatchObject({
      outcome: "failed",
      status: "failed",
      denial: null,
      error: { code: "host_unavailable", retryable: false },
      decision: { decision: "authorized" },
    });
    const rows = await auditRows(tenant, 1, "&outcome=failed");
    expect(rows[0]).toMatchObject({ error_code: "host_unavailable", tool: "tickets.create_ticket" });
    expect((await admin("GET", `/ledger/verify?tenant=${tenant}`)).body.ok).toBe(true);
  });
});

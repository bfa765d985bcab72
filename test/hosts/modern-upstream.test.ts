import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostConfig } from "../../src/hosts/host-config";
import { createUpstreamHost } from "../../src/hosts/upstream-mcp";
import { createModernUpstream } from "../fakes/modern-upstream";
import { callModern, connectModern } from "../support/modern-client";
import { admin, call, connect, newTenant } from "../support/worker";

const URL_ = "https://ledgerbook.upstream.test/mcp";
const upstream = createModernUpstream(URL_);
const msw = setupServer(...upstream.handlers);
beforeAll(() => msw.listen({ onUnhandledRequest: "error" }));
afterAll(() => msw.close());

/** A tenant with the 2026-only upstream registered as host `ledgerbook`. */
async function withModernHost() {
  const t = await newTenant({
    posture: { read_only: "allow", write: "allow", destructive: "allow", unannotated: "allow" },
  });
  const registered = await admin("POST", `/hosts?tenant=${t.tenant}`, { id: "ledgerbook", url: URL_ });
  expect(registered.status).toBe(201);
  return t;
}

describe("an upstream that speaks only MCP 2026-07-28 (the 2.x SDK's server, no initialize)", () => {
  it("is federated: a 2025 client lists its tools under the namespace and calls them through the gateway", async () => {
    const t = await withModernHost();
    const client = await connect(t.key);
    const { tools } = await client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(["ledgerbook.balance", "ledgerbook.transfer"]));
    const before = upstream.calls.get("balance") ?? 0;
    const answered = await call(client, "ledgerbook.balance", { account: "acc_1" });
    expect(answered.outcome).toMatchObject({
      outcome: "succeeded",
      data: { account: "acc_1", balance_cents: 12_345 },
    });
    expect(upstream.calls.get("balance")).toBe(before + 1);
  });

  it("is federated for a 2026-07-28 client too, and a call reaches the upstream once", async () => {
    const t = await withModernHost();
    const modern = await connectModern(t.key);
    const { tools } = await modern.listTools();
    expect(tools.find((tool) => tool.name === "ledgerbook.transfer")?.annotations).toMatchObject({
      destructiveHint: true,
    });
    const before = upstream.calls.get("transfer") ?? 0;
    const moved = await callModern(modern, "ledgerbook.transfer", { from: "acc_1", to: "acc_2", amount_cents: 500 });
    expect(moved.outcome).toMatchObject({ outcome: "succeeded", success: true });
    expect(upstream.calls.get("transfer")).toBe(before + 1);
  });

  it("finds the host's era on a call from an isolate that never listed it: discover after a refused initialize", async () => {
    const config: HostConfig = {
      tenant_id: `fresh-${crypto.randomUUID()}`,
      id: "ledgerbook",
      kind: "mcp",
      label: "ledgerbook",
      url: URL_,
      auth_secret: null,
      auth_header: "Authorization",
      timeout_ms: 5_000,
      circuit: null,
      created_at: "2026-12-07T00:00:00.000Z",
    };
    const host = createUpstreamHost(config, {}, { allowPrivate: false });
    const before = upstream.calls.get("balance") ?? 0;
    const answered = await host.call(
      "balance",
      { account: "acc_9" },
      { tenant_id: config.tenant_id, invocation_id: "inv_era", signal: new AbortController().signal },
    );
    expect(answered).toMatchObject({ ok: true, data: { account: "acc_9", balance_cents: 12_345 } });
    expect(upstream.calls.get("balance")).toBe(before + 1);
  });
});

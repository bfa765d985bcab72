import { createExecutionContext, env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { seedDemo } from "../../src/admin/seed";
import { createApp } from "../../src/app";
import { LOCAL_DEFAULTS } from "../../src/env";
import { BASE, rawMcp } from "../support/worker";

const listTools = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
const now = () => new Date().toISOString();

/** Calls the Worker as deployed outside local dev, with the same D1 and Durable Objects. */
function production(path: string, init: RequestInit, overrides: Record<string, unknown> = {}) {
  const app = createApp();
  return app.fetch(
    new Request(`${BASE}${path}`, init),
    { ...env, ENVIRONMENT: "production", ...overrides },
    createExecutionContext(),
  );
}

describe("the local demo and its defaults", () => {
  it("seeds a demo tenant whose demo agent sees the demo tools under sample policies", async () => {
    const seeded = await seedDemo(env, now());
    expect(seeded).toMatchObject({ tenant: "demo", agent: "agt_demo" });
    const res = await rawMcp(listTools, { authorization: `Bearer ${LOCAL_DEFAULTS.demoAgentKey}` });
    const tools = ((await res.json()) as any).result.tools as { name: string; description: string }[];
    expect(tools.find((t) => t.name === "crm.delete_contact")?.description).toMatch(/Policy state: blocked/);
  });

  it("is idempotent and keeps policies already in place", async () => {
    await seedDemo(env, now());
    expect(await seedDemo(env, now())).toMatchObject({ policies_seeded: 0 });
  });

  it("refuses the documented demo key outside local dev, even though it is on file", async () => {
    await seedDemo(env, now());
    const res = await production("/mcp", {
      method: "POST",
      headers: {
        authorization: `Bearer ${LOCAL_DEFAULTS.demoAgentKey}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: listTools,
    });
    expect(res.status).toBe(401);
  });

  it("refuses the documented admin token outside local dev, and the seed altogether", async () => {
    const headers = { authorization: `Bearer ${LOCAL_DEFAULTS.adminToken}` };
    const unset = await production("/admin/tenants", { headers }, { ADMIN_TOKEN: undefined });
    expect(unset.status).toBe(503);
    const defaulted = await production("/admin/tenants", { headers }, { ADMIN_TOKEN: LOCAL_DEFAULTS.adminToken });
    expect(defaulted.status).toBe(503);
    const seed = await production(
      "/admin/seed",
      { method: "POST", headers: { authorization: "Bearer s3cret" } },
      { ADMIN_TOKEN: "s3cret" },
    );
    expect(seed.status).toBe(403);
  });

  it("gives the demo agent exactly the DEMO_AGENT_KEY of the latest start", async () => {
    // One app instance for every request, so the seed's cache invalidation and the calls share an isolate's state.
    const app = createApp();
    const send = (path: string, init: RequestInit, overrides: Record<string, unknown> = {}) =>
      app.fetch(new Request(`${BASE}${path}`, init), { ...env, ...overrides }, createExecutionContext());
    const list = (key: string) =>
      send("/mcp", {
        method: "POST",
        headers: {
          authorization: `Bearer ${key}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body: listTools,
      });
    const seed = (key?: string) =>
      send(
        "/admin/seed",
        { method: "POST", headers: { authorization: "Bearer test-admin-token" } },
        { DEMO_AGENT_KEY: key },
      );

    expect((await seed()).status).toBe(200);
    expect((await list(LOCAL_DEFAULTS.demoAgentKey)).status).toBe(200);
    expect((await seed("pos_chosen_demo_key")).status).toBe(200);
    expect((await list(LOCAL_DEFAULTS.demoAgentKey)).status).toBe(401);
    expect((await list("pos_chosen_demo_key")).status).toBe(200);
    expect((await seed()).status).toBe(200);
    expect((await list(LOCAL_DEFAULTS.demoAgentKey)).status).toBe(200);
    expect((await list("pos_chosen_demo_key")).status).toBe(401);
  });
});

it("answers the index with where the MCP endpoint is", async () => {
  const res = await SELF.fetch(`${BASE}/`);
  expect(((await res.json()) as any).mcp).toBe(`${BASE}/mcp`);
});

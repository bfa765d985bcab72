import { env } from "cloudflare:test";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostConfig } from "../../src/hosts/host-config";
import { connectInEra } from "../../src/hosts/upstream/upstream-connection";
import { cachedSession } from "../../src/hosts/upstream/upstream-session";
import { connectModern } from "../support/modern-client";
import { admin, connect, newTenant } from "../support/worker";
import { createModernArchive } from "./modern-archive-upstream";

const URL_ = "https://archive.upstream.test/mcp";
const HOST_REF = "archive:archive.upstream.test";
const archive = createModernArchive(URL_);
const msw = setupServer(...archive.handlers);
beforeAll(() => msw.listen({ onUnhandledRequest: "error" }));
afterAll(() => msw.close());

/** A tenant whose agent may see `allowed_tools`, with the 2026-only upstream registered as host `archive`. */
async function withArchive(allowed_tools: string[]) {
  const t = await newTenant({ agent: { allowed_tools } });
  const registered = await admin("POST", `/hosts?tenant=${t.tenant}`, { id: "archive", url: URL_ });
  expect(registered.status).toBe(201);
  return t;
}

/** The tenant's recorded reads, oldest first, once at least `count` are written (they are written after the answer). */
async function readsOf(tenant: string, count: number) {
  for (let attempt = 0; ; attempt++) {
    const { results } = await env.DB.prepare("SELECT * FROM feature_reads WHERE tenant_id = ? ORDER BY created_at")
      .bind(tenant)
      .all<Record<string, string | null>>();
    if (results.length >= count || attempt >= 100) return results;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("resources and prompts of an upstream that speaks only MCP 2026-07-28", () => {
  it("lists the resources and templates the agent's allowed_tools admit, namespaced like tools, to a 2025 client", async () => {
    const t = await withArchive(["archive.public_note", "archive.public_by_id"]);
    const client = await connect(t.key);
    const { resources } = await client.listResources();
    expect(resources.map((r) => [r.name, r.uri])).toEqual([
      ["archive.public_note", "policy-os://hosts/archive/notes://public/1"],
    ]);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((r) => [r.name, r.uriTemplate])).toEqual([
      ["archive.public_by_id", "policy-os://hosts/archive/notes://public/{id}"],
    ]);
  });

  it("reads a listed resource and one a listed template matches, refuses the rest as not found unread, and records each read", async () => {
    const t = await withArchive(["archive.public_note", "archive.public_by_id"]);
    const client = await connect(t.key);
    const listed = await client.readResource({ uri: "policy-os://hosts/archive/notes://public/1" });
    expect(listed.contents).toEqual([
      { uri: "policy-os://hosts/archive/notes://public/1", mimeType: "text/plain", text: "The public note." },
    ]);
    const templated = await client.readResource({ uri: "policy-os://hosts/archive/notes://public/7" });
    expect(templated.contents[0]).toMatchObject({
      uri: "policy-os://hosts/archive/notes://public/7",
      text: "Public note 7.",
    });
    const privateReads = archive.reads.get("notes://private/1") ?? 0;
    await expect(client.readResource({ uri: "policy-os://hosts/archive/notes://private/1" })).rejects.toMatchObject({
      code: -32002,
      message: expect.stringMatching(/not found/),
    });
    expect(archive.reads.get("notes://private/1") ?? 0).toBe(privateReads);

    const rows = await readsOf(t.tenant, 3);
    expect(rows.map((r) => [r.method, r.target, r.outcome, r.host_ref])).toEqual([
      ["resources/read", "policy-os://hosts/archive/notes://public/1", "read", HOST_REF],
      ["resources/read", "policy-os://hosts/archive/notes://public/7", "read", HOST_REF],
      ["resources/read", "policy-os://hosts/archive/notes://private/1", "refused", HOST_REF],
    ]);
    expect(rows.every((r) => r.agent_id === t.agent_id)).toBe(true);
    expect(rows.map((r) => r.reason === null)).toEqual([true, true, false]);
  });

  it("serves a 2026-07-28 client the same: resources, prompts it may see, and a refusal for one it may not", async () => {
    const t = await withArchive(["archive.public_note", "archive.summarise"]);
    const modern = await connectModern(t.key);
    const { resources } = await modern.listResources();
    expect(resources.map((r) => r.name)).toEqual(["archive.public_note"]);
    const { prompts } = await modern.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(["archive.summarise"]);
    const got = await modern.getPrompt({ name: "archive.summarise", arguments: { note: "1" } });
    expect(got.messages[0]!.content).toEqual({ type: "text", text: "Summarise note 1." });
    expect(got.messages[1]!.content).toMatchObject({
      type: "resource",
      resource: { uri: "policy-os://hosts/archive/notes://public/1" },
    });
    await expect(modern.getPrompt({ name: "archive.internal" })).rejects.toThrow(/not found/);

    const rows = await readsOf(t.tenant, 2);
    expect(rows.map((r) => [r.method, r.target, r.outcome, r.host_ref])).toEqual([
      ["prompts/get", "archive.summarise", "read", HOST_REF],
      ["prompts/get", "archive.internal", "refused", null],
    ]);
  });

  it("answers a read the host fails with an internal error naming the host, recorded as failed", async () => {
    const t = await withArchive(["archive.broken_note"]);
    const client = await connect(t.key);
    await expect(client.readResource({ uri: "policy-os://hosts/archive/notes://broken/1" })).rejects.toMatchObject({
      code: -32603,
      message: expect.stringMatching(/host archive did not answer/),
    });
    const [row] = await readsOf(t.tenant, 1);
    expect(row).toMatchObject({ method: "resources/read", outcome: "failed", host_ref: null });
    expect(row!.reason).toMatch(/host archive did not answer/);
  });

  it("lists and gets prompts for a 2025 client, with the same names and refusals", async () => {
    const t = await withArchive(["archive.*"]);
    const client = await connect(t.key);
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(["archive.internal", "archive.summarise"]);
    const got = await client.getPrompt({ name: "archive.internal" });
    expect(got.messages[0]!.content).toEqual({ type: "text", text: "Internal." });
    await expect(client.getPrompt({ name: "archive.missing" })).rejects.toMatchObject({ code: -32602 });
  });

  it("finds the host's era from an isolate that never listed it: discover after a refused initialize, remembered", async () => {
    const config: HostConfig = {
      tenant_id: `fresh-${crypto.randomUUID()}`,
      id: "archive",
      kind: "mcp",
      label: "archive",
      url: URL_,
      auth_secret: null,
      auth_header: "Authorization",
      timeout_ms: 5_000,
      circuit: null,
      created_at: "2026-12-07T00:00:00.000Z",
    };
    expect(cachedSession(config)).toBeUndefined();
    const connected = await connectInEra(config, {});
    if (!connected.ok) throw new Error("the 2026-only host was not reached");
    try {
      expect(connected.connection.offers()).toEqual({ resources: true, prompts: true });
      const { resources } = await connected.connection.listResources(undefined);
      expect(resources.map((r) => r.uri).sort()).toEqual(["notes://broken/1", "notes://private/1", "notes://public/1"]);
    } finally {
      await connected.close();
    }
    expect(cachedSession(config)).toEqual({ protocol_version: "2026-07-28", session_id: null });
  });
});

import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { TOOL_LIST_TTL_MS } from "../../src/mcp/server-2026";
import { bigRefund, refundDesk } from "../approvals/helpers";
import { standardRows } from "../fixtures/policies";
import { callModern, connectModern, modernRequest, TASKS } from "../support/modern-client";
import { call, connect, newTenant, rawMcp } from "../support/worker";

describe("both MCP eras on one endpoint", () => {
  it("lists the same tools with the same policy state to a 2026-07-28 client and a 2025 client", async () => {
    const { key } = await newTenant({ rows: standardRows });
    const modern = await connectModern(key);
    const legacy = await connect(key);
    expect(modern.getProtocolEra()).toBe("modern");
    const [now, before] = await Promise.all([modern.listTools(), legacy.listTools()]);
    expect(now.tools.map((t) => t.name)).toEqual(before.tools.map((t) => t.name));
    const state = (tools: typeof now.tools) =>
      tools.find((t) => t.name === "crm.delete_contact")!._meta!["policy-os/policy_state"];
    expect(state(now.tools)).toEqual(state(before.tools as typeof now.tools));
    const ran = await callModern(modern, "payments.lookup_customer", { customer_id: "cus_001" });
    expect(ran.outcome).toMatchObject({ outcome: "succeeded", success: true });
    const old = await call(legacy, "payments.lookup_customer", { customer_id: "cus_001" });
    expect(old.outcome).toMatchObject({ outcome: "succeeded", success: true });
  });
});

describe("resources on both eras", () => {
  it("lists and reads the same runbook to a 2026-07-28 client as to a 2025 client, and hides the same other one", async () => {
    const { key, tenant } = await newTenant({ agent: { allowed_tools: ["payments.*"] } });
    const insert = (page_id: string, name: string, tools: string[]) =>
      env.DB.prepare(
        "INSERT INTO runbooks (tenant_id, page_id, name, tools, checks, status) VALUES (?, ?, ?, ?, ?, 'Active')",
      )
        .bind(tenant, page_id, name, JSON.stringify(tools), "The amount matches the order")
        .run();
    await insert("rb-refunds", "Refunds", ["payments.create_refund"]);
    await insert("rb-crm", "Contact changes", ["crm.*"]);
    const [modern, legacy] = await Promise.all([connectModern(key), connect(key)]);
    const uris = async (client: { listResources: () => Promise<{ resources: { uri: string }[] }> }) =>
      (await client.listResources()).resources.map((r) => r.uri);
    expect(await uris(modern)).toEqual(["policy-os://runbooks/rb-refunds"]);
    expect(await uris(modern)).toEqual(await uris(legacy));
    const read = await modern.readResource({ uri: "policy-os://runbooks/rb-refunds" });
    expect((read.contents[0] as { text: string }).text).toContain("The amount matches the order");
    await expect(modern.readResource({ uri: "policy-os://runbooks/rb-crm" })).rejects.toThrow(/not found/);
  });
});

describe("the 2026-07-28 era's own surface", () => {
  it("answers server/discover with the Tasks extension and tools/list with private cache hints", async () => {
    const { key } = await newTenant({ rows: standardRows });
    const modern = await connectModern(key);
    expect(modern.getServerCapabilities()?.extensions).toEqual({ "io.modelcontextprotocol/tasks": {} });
    const listed = await modernRequest(key, "tools/list");
    // The list is this agent's own (its allowed tools, its policy state): only the requesting client may cache it.
    expect(listed.body.result).toMatchObject({
      resultType: "complete",
      ttlMs: TOOL_LIST_TTL_MS,
      cacheScope: "private",
    });
    const discovered = await modernRequest(key, "server/discover");
    expect(discovered.body.result.capabilities.extensions).toEqual({ "io.modelcontextprotocol/tasks": {} });
  });

  it("refuses a tools/list cursor it never handed out", async () => {
    const { key } = await newTenant({ rows: standardRows });
    const refused = await modernRequest(key, "tools/list", { cursor: "eyJvZmZzZXQiOjEwMH0" });
    expect(refused.body.error).toMatchObject({ code: -32602, message: expect.stringMatching(/unknown cursor/) });
  });

  it("lets a 2.x SDK client poll a task it holds with tasks/get", async () => {
    const { key } = await refundDesk();
    const held = await modernRequest(
      key,
      "tools/call",
      { name: "payments.create_refund", arguments: bigRefund },
      TASKS,
    );
    const modern = await connectModern(key, TASKS);
    const task = await modern.request(
      { method: "tasks/get", params: { taskId: held.body.result.taskId } },
      z.looseObject({ taskId: z.string(), status: z.string() }),
    );
    expect(task).toMatchObject({ taskId: held.body.result.taskId, status: "working" });
  });
});

describe("choosing the era per request", () => {
  it("answers a 2026-07-28 request that lacks its _meta envelope with the 2026 era's -32602, not a 2025 refusal", async () => {
    const { key } = await newTenant({ rows: standardRows });
    const answer = await rawMcp(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }), {
      authorization: `Bearer ${key}`,
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/list",
    });
    const body = (await answer.json()) as { error: { code: number; message: string } };
    expect(body.error).toMatchObject({ code: -32602, message: expect.stringMatching(/envelope/) });
  });
});

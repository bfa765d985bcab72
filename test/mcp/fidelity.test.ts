import { env } from "cloudflare:test";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base64Of, createRichUpstream, PNG_BASE64 } from "../fakes/rich-upstream";
import { admin, connect, newTenant } from "../support/worker";

const URL_ = "https://rich.upstream.test/mcp";
const msw = setupServer(...createRichUpstream(URL_).handlers);
beforeAll(() => msw.listen({ onUnhandledRequest: "error" }));
afterAll(() => msw.close());

const row = (id: string, fields: Record<string, unknown>) => ({
  Name: id,
  "Policy ID": id,
  Status: "Active",
  "Reason code": id,
  Message: `${id} applies.`,
  ...fields,
});

async function tenantWithRich(options: { rows?: unknown[]; allowed_tools?: string[] } = {}) {
  const t = await newTenant({
    rows: options.rows ?? [],
    ...(options.allowed_tools ? { agent: { allowed_tools: options.allowed_tools } } : {}),
  });
  const registered = await admin("POST", `/hosts?tenant=${t.tenant}`, { id: "rich", url: URL_ });
  expect(registered.status).toBe(201);
  const client = await connect(t.key);
  await client.listTools(); // the client learns each tool's outputSchema, and validates structured content by it
  return { ...t, client };
}

const reads = async (tenant: string, count: number) => {
  for (let attempt = 0; ; attempt++) {
    const { results } = await env.DB.prepare("SELECT * FROM feature_reads WHERE tenant_id = ? ORDER BY created_at")
      .bind(tenant)
      .all<Record<string, string | null>>();
    if (results.length >= count || attempt >= 100) return results;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe("a governed call keeps what the upstream returned", () => {
  it("passes an image, a resource link and embedded resources through as content blocks, after the governance sentence", async () => {
    const { client } = await tenantWithRich();
    const result = await client.callTool({ name: "rich.picture", arguments: { note_id: "plain" } });
    const content = result.content as any[];
    expect(content[0]).toMatchObject({ type: "text", text: expect.stringMatching(/rich\.picture/) });
    expect(content.slice(1)).toEqual([
      { type: "text", text: "Here is the picture." },
      { type: "image", data: PNG_BASE64, mimeType: "image/png" },
      {
        type: "resource_link",
        uri: "policy-os://hosts/rich/notes://public/1",
        name: "public_note",
        mimeType: "text/plain",
      },
      {
        type: "resource",
        resource: { uri: "policy-os://hosts/rich/notes://attached/1", mimeType: "text/plain", text: "blue skies" },
      },
      {
        type: "resource",
        resource: {
          uri: "policy-os://hosts/rich/notes://attached/2",
          mimeType: "application/octet-stream",
          blob: base64Of("blue skies"),
        },
      },
    ]);
    expect(result.structuredContent).toMatchObject({ outcome: "succeeded", capability_id: "rich.picture" });
    expect(result.isError).toBe(false);
  });

  it("withholds a result whose blocked term hides in a resource's base64 blob", async () => {
    const { client } = await tenantWithRich({
      rows: [
        row("no_codewords", {
          Type: "content",
          Mode: "block",
          Tools: "rich.*",
          "Deny terms": "nightingale",
          "Check results": true,
        }),
      ],
    });
    const result = await client.callTool({ name: "rich.picture", arguments: { note_id: "hidden" } });
    expect(result.structuredContent).toMatchObject({ outcome: "failed", data: null, error: { code: "no_codewords" } });
    expect(JSON.stringify(result.content)).not.toMatch(/nightingale/i);
    expect(JSON.stringify(result.content)).not.toContain(base64Of("codeword nightingale"));
  });

  it("withholds a result whose structured content is clean when its text content holds the blocked term", async () => {
    const { client } = await tenantWithRich({
      rows: [
        row("no_codewords", {
          Type: "content",
          Mode: "block",
          Tools: "rich.*",
          "Deny terms": "nightingale",
          "Check results": true,
        }),
      ],
    });
    const clean = await client.callTool({ name: "rich.status", arguments: { note_id: "plain" } });
    expect(clean.structuredContent).toMatchObject({ outcome: "succeeded", data: { status: "ok" } });
    expect(clean.content).toEqual([expect.objectContaining({ type: "text" }), { type: "text", text: "blue skies" }]);
    const hiding = await client.callTool({ name: "rich.status", arguments: { note_id: "codeword" } });
    expect(hiding.structuredContent).toMatchObject({ outcome: "failed", error: { code: "no_codewords" } });
    expect(JSON.stringify(hiding.content)).not.toMatch(/nightingale/i);
  });

  it("redacts a term inside text blocks and base64 text blobs alike, and leaves the image's bytes untouched", async () => {
    const { client } = await tenantWithRich({
      rows: [
        row("no_codewords", {
          Type: "content",
          Mode: "redact",
          Tools: "rich.*",
          "Deny terms": "nightingale",
          "Check results": true,
        }),
      ],
    });
    const result = await client.callTool({ name: "rich.picture", arguments: { note_id: "codeword" } });
    const content = result.content as any[];
    expect(content[2]).toEqual({ type: "image", data: PNG_BASE64, mimeType: "image/png" });
    expect(content[4].resource.text).toBe("codeword [REDACTED:content]");
    expect(content[5].resource.blob).toBe(base64Of("codeword [REDACTED:content]"));
    expect(JSON.stringify(result.structuredContent)).not.toMatch(/nightingale/i);
  });

  it("publishes the outcome contract as outputSchema, with data typed by the upstream's own schema", async () => {
    const { client } = await tenantWithRich();
    const { tools } = await client.listTools();
    const sum = tools.find((tool) => tool.name === "rich.sum")!;
    const data = (sum.outputSchema!.properties as any).data;
    expect(data.anyOf[0]).toMatchObject({ type: "object", properties: { sum: { type: "number" } } });
    expect(sum.outputSchema!.required).toEqual(expect.arrayContaining(["outcome", "data", "denial", "escalation_id"]));
    const picture = tools.find((tool) => tool.name === "rich.picture")!;
    expect((picture.outputSchema!.properties as any).data).toEqual({});
  });

  it("gives structured content a validating client accepts, whether the call succeeded, was denied or was held", async () => {
    const { client } = await tenantWithRich({
      rows: [
        row("no_big_sums", { Type: "block", Mode: "block", Tools: "rich.sum", Condition: "args.a > 100" }),
        row("check_mid_sums", {
          Type: "approval",
          Mode: "pause",
          Tools: "rich.sum",
          Condition: "args.a > 10",
          Approvers: ["ops"],
        }),
      ],
    });
    const ok = await client.callTool({ name: "rich.sum", arguments: { a: 2, b: 3 } });
    expect(ok.structuredContent).toMatchObject({ outcome: "succeeded", data: { sum: 5 } });
    const denied = await client.callTool({ name: "rich.sum", arguments: { a: 500, b: 3 } });
    expect(denied.structuredContent).toMatchObject({ outcome: "denied", data: null });
    const held = await client.callTool({ name: "rich.sum", arguments: { a: 50, b: 3 } });
    expect(held.structuredContent).toMatchObject({ outcome: "pending_approval", data: null });
  });

  it("is refused by a validating client when the structured content breaks the published schema (the check is real)", async () => {
    const { client } = await tenantWithRich();
    const { tools } = await client.listTools();
    const schema = tools.find((tool) => tool.name === "rich.sum")!.outputSchema!;
    const { CfWorkerJsonSchemaValidator } = await import("@modelcontextprotocol/sdk/validation/cfworker");
    const validate = new CfWorkerJsonSchemaValidator().getValidator(schema);
    const ok = await client.callTool({ name: "rich.sum", arguments: { a: 1, b: 1 } });
    expect(validate(ok.structuredContent).valid).toBe(true);
    expect(validate({ ...(ok.structuredContent as object), data: { sum: "two" } }).valid).toBe(false);
  });
});

describe("upstream resources and prompts through the gateway", () => {
  it("lists the resources and templates the agent's allowed_tools admit, namespaced like tools", async () => {
    const { client } = await tenantWithRich({
      allowed_tools: ["rich.picture", "rich.public_note", "rich.public_by_id"],
    });
    const { resources } = await client.listResources();
    expect(resources.map((r) => [r.name, r.uri])).toEqual([
      ["rich.public_note", "policy-os://hosts/rich/notes://public/1"],
    ]);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(["policy-os://hosts/rich/notes://public/{id}"]);
  });

  it("reads a listed resource and one a listed template matches, refuses the rest as not found, and records each read", async () => {
    const { client, tenant } = await tenantWithRich({ allowed_tools: ["rich.public_note", "rich.public_by_id"] });
    const listed = await client.readResource({ uri: "policy-os://hosts/rich/notes://public/1" });
    expect(listed.contents).toEqual([{ uri: "policy-os://hosts/rich/notes://public/1", text: "The public note." }]);
    const templated = await client.readResource({ uri: "policy-os://hosts/rich/notes://public/7" });
    expect(templated.contents[0]).toMatchObject({ text: "Public note 7." });
    await expect(client.readResource({ uri: "policy-os://hosts/rich/notes://private/1" })).rejects.toThrow(/not found/);
    await expect(client.readResource({ uri: "notes://private/1" })).rejects.toThrow(/not found/);
    const rows = await reads(tenant, 4);
    expect(rows.map((r) => [r.method, r.outcome, r.host_ref])).toEqual([
      ["resources/read", "read", "rich:rich.upstream.test"],
      ["resources/read", "read", "rich:rich.upstream.test"],
      ["resources/read", "refused", "rich:rich.upstream.test"],
      ["resources/read", "refused", null],
    ]);
    expect(rows[2]).toMatchObject({ target: "policy-os://hosts/rich/notes://private/1", agent_id: expect.any(String) });
  });

  it("lists and gets the prompts the agent may see, and refuses one it may not", async () => {
    const { client, tenant } = await tenantWithRich({ allowed_tools: ["rich.greet"] });
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(["rich.greet"]);
    const got = await client.getPrompt({ name: "rich.greet", arguments: { who: "Ada" } });
    expect(got.messages[0]!.content).toEqual({ type: "text", text: "Say hello to Ada." });
    expect(got.messages[1]!.content).toMatchObject({ resource: { uri: "policy-os://hosts/rich/notes://public/1" } });
    await expect(client.getPrompt({ name: "rich.internal" })).rejects.toThrow(/not found/);
    const rows = await reads(tenant, 2);
    expect(rows.map((r) => [r.method, r.target, r.outcome])).toEqual([
      ["prompts/get", "rich.greet", "read"],
      ["prompts/get", "rich.internal", "refused"],
    ]);
  });
});

describe("runbooks as resources", () => {
  async function withRunbooks(allowed_tools: string[]) {
    const t = await newTenant({ agent: { allowed_tools } });
    const insert = (page_id: string, name: string, tools: string[], checks: string) =>
      env.DB.prepare(
        "INSERT INTO runbooks (tenant_id, page_id, name, tools, checks, status) VALUES (?, ?, ?, ?, ?, 'Active')",
      )
        .bind(t.tenant, page_id, name, JSON.stringify(tools), checks)
        .run();
    await insert("rb-refunds", "Refunds", ["payments.create_refund"], "The order exists\nThe amount matches the order");
    await insert("rb-crm", "Contact changes", ["crm.*"], "The requester owns the contact");
    return { ...t, client: await connect(t.key) };
  }

  it("lists the runbooks that concern the tools the agent may see, and reads them as markdown", async () => {
    const { client, tenant } = await withRunbooks(["payments.*"]);
    const { resources } = await client.listResources();
    expect(resources.map((r) => [r.uri, r.title])).toEqual([["policy-os://runbooks/rb-refunds", "Refunds"]]);
    const read = await client.readResource({ uri: "policy-os://runbooks/rb-refunds" });
    expect(read.contents[0]).toMatchObject({ mimeType: "text/markdown" });
    expect((read.contents[0] as { text: string }).text).toContain("- The amount matches the order");
    await expect(client.readResource({ uri: "policy-os://runbooks/rb-crm" })).rejects.toThrow(/not found/);
    const rows = await reads(tenant, 2);
    expect(rows.map((r) => [r.target, r.outcome, r.host_ref])).toEqual([
      ["policy-os://runbooks/rb-refunds", "read", "policy-os"],
      ["policy-os://runbooks/rb-crm", "refused", null],
    ]);
  });
});

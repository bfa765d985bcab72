import { describe, expect, it } from "vitest";
import { createPolicies, notion, startEmulator, text, useEmulatorNetwork } from "./helpers";

useEmulatorNetwork();

async function setup() {
  const emulator = startEmulator();
  const client = notion();
  const ids = await createPolicies(client, emulator);
  return { emulator, client, ...ids };
}

const paragraph = (content: string) => ({ paragraph: { rich_text: text(content) } });

describe("Notion's documented limits", () => {
  it("refuses a text object of 2,001 characters with a validation_error and accepts 2,000", async () => {
    const { client, dataSourceId } = await setup();
    const row = (content: string) =>
      client.pages.create({
        parent: { data_source_id: dataSourceId },
        properties: { Name: { title: text("t") }, Notes: { rich_text: text(content) } },
      });
    await expect(row("x".repeat(2001))).rejects.toMatchObject({
      status: 400,
      code: "validation_error",
      message: expect.stringContaining("2000"),
    });
    await expect(row("x".repeat(2000))).resolves.toMatchObject({ object: "page" });
  });

  it("refuses more than 100 items in a rich-text array or a multi-select value", async () => {
    const { client, dataSourceId } = await setup();
    const many = Array.from({ length: 101 }, (_, i) => ({ text: { content: String(i) } }));
    await expect(
      client.pages.create({
        parent: { data_source_id: dataSourceId },
        properties: { Name: { title: text("t") }, Notes: { rich_text: many } },
      }),
    ).rejects.toMatchObject({ status: 400, code: "validation_error" });
    const tags = Array.from({ length: 101 }, (_, i) => ({ name: `tag${i}` }));
    await expect(
      client.pages.create({
        parent: { data_source_id: dataSourceId },
        properties: { Name: { title: text("t") }, Tags: { multi_select: tags } },
      }),
    ).rejects.toMatchObject({ status: 400, code: "validation_error" });
  });

  it("refuses 101 children in one append and appends 100, readable page by page", async () => {
    const { emulator, client } = await setup();
    const page = await client.pages.create({
      parent: { page_id: emulator.rootPageId },
      properties: { title: { title: text("Runbook") } },
    });
    const children = (n: number) => Array.from({ length: n }, (_, i) => paragraph(`step ${i}`));
    await expect(client.blocks.children.append({ block_id: page.id, children: children(101) })).rejects.toMatchObject({
      status: 400,
      code: "validation_error",
    });
    const appended = await client.blocks.children.append({ block_id: page.id, children: children(100) });
    expect(appended.results).toHaveLength(100);
    const first = await client.blocks.children.list({ block_id: page.id, page_size: 60 });
    const rest = await client.blocks.children.list({ block_id: page.id, start_cursor: first.next_cursor ?? undefined });
    expect(first.results.length + rest.results.length).toBe(100);
    expect(rest.has_more).toBe(false);
  });

  it("accepts two levels of nesting in one request and refuses a third", async () => {
    const { emulator, client } = await setup();
    const nested = (depth: number): Record<string, unknown> =>
      depth === 1
        ? paragraph("leaf")
        : { toggle: { rich_text: text(`level ${depth}`), children: [nested(depth - 1)] } };
    const ok = await client.blocks.children.append({ block_id: emulator.rootPageId, children: [nested(2) as never] });
    expect(ok.results[0]).toMatchObject({ type: "toggle", has_children: true });
    const inner = await client.blocks.children.list({ block_id: ok.results[0]!.id });
    expect(inner.results).toHaveLength(1);
    await expect(
      client.blocks.children.append({ block_id: emulator.rootPageId, children: [nested(3) as never] }),
    ).rejects.toMatchObject({
      code: "validation_error",
    });
  });

  it("refuses a page_size over 100", async () => {
    const { client, dataSourceId } = await setup();
    await expect(client.dataSources.query({ data_source_id: dataSourceId, page_size: 101 })).rejects.toMatchObject({
      status: 400,
      code: "validation_error",
    });
  });

  it("answers a missing or wrong Notion-Version with 400 missing_version", async () => {
    const emulator = startEmulator();
    const ask = (headers: Record<string, string>) =>
      emulator.handle(new Request("https://api.notion.com/v1/users/me", { headers }));
    const missing = await ask({ authorization: "Bearer secret_emulator" });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ object: "error", status: 400, code: "missing_version" });
    const wrong = await ask({ authorization: "Bearer secret_emulator", "notion-version": "2022-06-28" });
    expect(await wrong.json()).toMatchObject({ code: "missing_version" });
  });

  it("answers an unknown route with 400 invalid_request_url and an unknown id with 404", async () => {
    const emulator = startEmulator();
    const headers = { authorization: "Bearer secret_emulator", "notion-version": "2025-09-03" };
    const unknown = await emulator.handle(new Request("https://api.notion.com/v1/nothing-here", { headers }));
    expect(await unknown.json()).toMatchObject({ status: 400, code: "invalid_request_url" });
    await expect(notion().pages.retrieve({ page_id: "0123456789abcdef0123456789abcdef" })).rejects.toMatchObject({
      status: 404,
      code: "object_not_found",
    });
  });
});

import type { AppendBlockChildrenParameters, BlockObjectResponse, Client } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import { SAMPLE_PEOPLE } from "../../emulator/notion";
import { createPolicies, notion, startEmulator, text, useEmulatorNetwork } from "./helpers";

useEmulatorNetwork();

const manager = SAMPLE_PEOPLE.find((p) => p.handle === "manager")!;

/** A fresh emulator with a "Runbook" page under the root holding the given blocks. */
async function runbook(children: AppendBlockChildrenParameters["children"]) {
  const emulator = startEmulator();
  const client = notion();
  const page = await client.pages.create({
    parent: { page_id: emulator.rootPageId },
    properties: { title: { title: text("Runbook") } },
  });
  const appended = await client.blocks.children.append({ block_id: page.id, children });
  const blocks = appended.results as BlockObjectResponse[];
  return { emulator, client, pageId: page.id, blocks };
}

const plainTextOf = (block: BlockObjectResponse | undefined) =>
  block?.type === "paragraph" ? block.paragraph.rich_text.map((t) => t.plain_text).join("") : undefined;

async function listed(client: Client, blockId: string) {
  return (await client.blocks.children.list({ block_id: blockId })).results as BlockObjectResponse[];
}

describe("updating and deleting blocks", () => {
  it("updates a paragraph's text and the page's listing shows the new text", async () => {
    const { client, pageId, blocks } = await runbook([{ paragraph: { rich_text: text("draft") } }]);
    const updated = await client.blocks.update({
      block_id: blocks[0]!.id,
      paragraph: { rich_text: text("final"), color: "red" },
    });
    expect(updated).toMatchObject({ object: "block", id: blocks[0]!.id, type: "paragraph", in_trash: false });
    const [first] = await listed(client, pageId);
    expect(plainTextOf(first)).toBe("final");
    expect(first).toMatchObject({ paragraph: { color: "red" } });
  });

  it("erases a page's whole body when pages.update sends erase_content, and appending starts it afresh", async () => {
    const { client, pageId } = await runbook([
      { paragraph: { rich_text: text("one") } },
      { paragraph: { rich_text: text("two") } },
    ]);
    await client.pages.update({ page_id: pageId, erase_content: true });
    expect(await listed(client, pageId)).toEqual([]);
    await client.blocks.children.append({ block_id: pageId, children: [{ paragraph: { rich_text: text("three") } }] });
    expect((await listed(client, pageId)).map(plainTextOf)).toEqual(["three"]);
  });

  it("checks a to-do without changing its text when the update sends only checked", async () => {
    const { client, blocks } = await runbook([{ to_do: { rich_text: text("ship it") } }]);
    const updated = await client.blocks.update({ block_id: blocks[0]!.id, to_do: { checked: true } });
    expect(updated).toMatchObject({
      type: "to_do",
      to_do: { checked: true, rich_text: [{ plain_text: "ship it" }] },
    });
  });

  it("refuses to change a block's type with a validation_error", async () => {
    const { client, pageId, blocks } = await runbook([{ paragraph: { rich_text: text("draft") } }]);
    await expect(
      client.blocks.update({ block_id: blocks[0]!.id, heading_1: { rich_text: text("title") } }),
    ).rejects.toMatchObject({ status: 400, code: "validation_error", message: expect.stringContaining("heading_1") });
    expect((await listed(client, pageId))[0]?.type).toBe("paragraph");
  });

  it("refuses text over 2,000 characters or 100 items and leaves the block as it was", async () => {
    const { client, pageId, blocks } = await runbook([{ paragraph: { rich_text: text("draft") } }]);
    const block_id = blocks[0]!.id;
    await expect(
      client.blocks.update({ block_id, paragraph: { rich_text: text("x".repeat(2001)) } }),
    ).rejects.toMatchObject({ status: 400, code: "validation_error", message: expect.stringContaining("2000") });
    const many = Array.from({ length: 101 }, (_, i) => ({ text: { content: String(i) } }));
    await expect(client.blocks.update({ block_id, paragraph: { rich_text: many } })).rejects.toMatchObject({
      code: "validation_error",
    });
    expect(plainTextOf((await listed(client, pageId))[0])).toBe("draft");
  });

  it("deletes a block: it comes back in the trash and no longer appears in the listing", async () => {
    const { client, pageId, blocks } = await runbook([
      { paragraph: { rich_text: text("keep") } },
      { paragraph: { rich_text: text("drop") } },
    ]);
    const deleted = await client.blocks.delete({ block_id: blocks[1]!.id });
    expect(deleted).toMatchObject({ id: blocks[1]!.id, in_trash: true, archived: true });
    expect((await listed(client, pageId)).map(plainTextOf)).toEqual(["keep"]);
  });

  it("restores a trashed block with in_trash false, and refuses to edit it while it is in the trash", async () => {
    const { client, pageId, blocks } = await runbook([{ paragraph: { rich_text: text("draft") } }]);
    const block_id = blocks[0]!.id;
    await client.blocks.delete({ block_id });
    await expect(client.blocks.update({ block_id, paragraph: { rich_text: text("edit") } })).rejects.toMatchObject({
      code: "validation_error",
      message: expect.stringContaining("archived"),
    });
    const restored = await client.blocks.update({ block_id, in_trash: false });
    expect(restored).toMatchObject({ in_trash: false, archived: false });
    expect((await listed(client, pageId)).map(plainTextOf)).toEqual(["draft"]);
  });

  it("refuses to delete a block twice, and answers an unknown block with 404 object_not_found", async () => {
    const { client, blocks } = await runbook([{ paragraph: { rich_text: text("once") } }]);
    await client.blocks.delete({ block_id: blocks[0]!.id });
    await expect(client.blocks.delete({ block_id: blocks[0]!.id })).rejects.toMatchObject({
      status: 400,
      code: "validation_error",
    });
    const unknown = "0123456789abcdef0123456789abcdef";
    await expect(client.blocks.delete({ block_id: unknown })).rejects.toMatchObject({
      status: 404,
      code: "object_not_found",
    });
    await expect(
      client.blocks.update({ block_id: unknown, paragraph: { rich_text: text("x") } }),
    ).rejects.toMatchObject({ status: 404, code: "object_not_found" });
  });

  it("marks a toggle childless once its only child is deleted", async () => {
    const { client, blocks } = await runbook([
      { toggle: { rich_text: text("details"), children: [{ paragraph: { rich_text: text("inner") } }] } },
    ]);
    const [inner] = await listed(client, blocks[0]!.id);
    await client.blocks.delete({ block_id: inner!.id });
    expect(await listed(client, blocks[0]!.id)).toEqual([]);
    const [toggle] = await listed(client, (blocks[0]!.parent as { page_id: string }).page_id);
    expect(toggle?.has_children).toBe(false);
  });

  it("trashes a child page with its block, and refuses a database row, which has no block", async () => {
    const { emulator, client, pageId } = await runbook([]);
    const deleted = await client.blocks.delete({ block_id: pageId });
    expect(deleted).toMatchObject({ type: "child_page", in_trash: true });
    expect(await client.pages.retrieve({ page_id: pageId })).toMatchObject({ in_trash: true });
    expect(emulator.webhookEvents.some((e) => e.type === "page.deleted" && e.entity.id === pageId)).toBe(true);

    const { dataSourceId } = await createPolicies(client, emulator);
    const row = await client.pages.create({
      parent: { data_source_id: dataSourceId },
      properties: { Name: { title: text("p") } },
    });
    await expect(client.blocks.delete({ block_id: row.id })).rejects.toMatchObject({
      code: "validation_error",
      message: expect.stringContaining("blocks and child pages only"),
    });
  });

  it("sends page.content_updated for the page when a person edits a block, and stamps the page as edited by them", async () => {
    const { emulator, pageId, blocks } = await runbook([{ paragraph: { rich_text: text("draft") } }]);
    const person = notion("person:manager");
    await person.blocks.update({ block_id: blocks[0]!.id, paragraph: { rich_text: text("final") } });
    await person.blocks.delete({ block_id: blocks[0]!.id });

    const updates = emulator.webhookEvents.filter((e) => e.type === "page.content_updated" && e.entity.id === pageId);
    expect(updates.at(-1)).toMatchObject({
      authors: [{ id: manager.id, type: "person" }],
      data: {
        parent: { id: emulator.rootPageId, type: "page" },
        updated_blocks: [{ id: blocks[0]!.id, type: "block" }],
      },
    });
    expect(updates).toHaveLength(3);
    expect(await person.pages.retrieve({ page_id: pageId })).toMatchObject({ last_edited_by: { id: manager.id } });
  });
});

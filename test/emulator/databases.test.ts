import type { PageObjectResponse } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import { createPolicies, notion, startEmulator, text, useEmulatorNetwork } from "./helpers";

useEmulatorNetwork();

const titleOf = (page: unknown) => {
  const name = (page as PageObjectResponse).properties.Name;
  return name?.type === "title" ? name.title.map((t) => t.plain_text).join("") : undefined;
};

describe("databases and data sources", () => {
  it("creates a database under a page and reads back its data source with the schema", async () => {
    const emulator = startEmulator();
    const client = notion();
    const { databaseId, dataSourceId } = await createPolicies(client, emulator);
    expect(dataSourceId).not.toBe(databaseId);

    const database = await client.databases.retrieve({ database_id: databaseId });
    expect(database).toMatchObject({ object: "database", parent: { type: "page_id", page_id: emulator.rootPageId } });

    const dataSource = await client.dataSources.retrieve({ data_source_id: dataSourceId });
    expect(dataSource).toMatchObject({
      object: "data_source",
      parent: { type: "database_id", database_id: databaseId },
    });
    const properties = "properties" in dataSource ? dataSource.properties : {};
    expect(properties.Name).toMatchObject({ id: "title", type: "title" });
    expect(properties.Mode).toMatchObject({
      type: "select",
      select: { options: [{ name: "allow" }, { name: "deny" }, { name: "approve" }] },
    });
  });

  it("refuses a database under a page it cannot find", async () => {
    startEmulator();
    await expect(
      notion().databases.create({
        parent: { type: "page_id", page_id: "12345678-1234-4123-8123-123456789012" },
        initial_data_source: { properties: { Name: { title: {} } } },
      }),
    ).rejects.toMatchObject({ status: 404, code: "object_not_found" });
  });

  it("adds a field with PATCH data source and keeps the title", async () => {
    const emulator = startEmulator();
    const client = notion();
    const { dataSourceId } = await createPolicies(client, emulator);
    const updated = await client.dataSources.update({
      data_source_id: dataSourceId,
      properties: { "Sync status": { rich_text: {} }, Notes: null },
    });
    const properties = "properties" in updated ? updated.properties : {};
    expect(Object.keys(properties)).toContain("Sync status");
    expect(Object.keys(properties)).not.toContain("Notes");
    expect(properties.Name?.type).toBe("title");
  });
});

describe("rows and queries", () => {
  async function seeded() {
    const emulator = startEmulator();
    const client = notion();
    const ids = await createPolicies(client, emulator);
    const rows = [
      { name: "Refund small", notes: "Refunds under 50", mode: "allow", priority: 1, active: true, tags: ["finance"] },
      {
        name: "Refund large",
        notes: "Refunds over 50",
        mode: "approve",
        priority: 5,
        active: true,
        tags: ["finance", "risk"],
      },
      { name: "Delete repo", notes: "Never", mode: "deny", priority: 9, active: false, tags: [] },
    ];
    for (const row of rows) {
      await client.pages.create({
        parent: { type: "data_source_id", data_source_id: ids.dataSourceId },
        properties: {
          Name: { title: text(row.name) },
          Notes: { rich_text: text(row.notes) },
          Mode: { select: { name: row.mode } },
          Priority: { number: row.priority },
          Active: { checkbox: row.active },
          Tags: { multi_select: row.tags.map((name) => ({ name })) },
        },
      });
    }
    return { client, emulator, ...ids };
  }

  it("filters by title, rich text, select, number, checkbox, multi-select and compounds", async () => {
    const { client, dataSourceId } = await seeded();
    const names = async (filter: Parameters<typeof client.dataSources.query>[0]["filter"]) =>
      (await client.dataSources.query({ data_source_id: dataSourceId, filter })).results.map(titleOf).sort();

    expect(await names({ property: "Name", title: { equals: "Delete repo" } })).toEqual(["Delete repo"]);
    expect(await names({ property: "Name", title: { contains: "refund" } })).toEqual(["Refund large", "Refund small"]);
    expect(await names({ property: "Notes", rich_text: { contains: "over" } })).toEqual(["Refund large"]);
    expect(await names({ property: "Notes", rich_text: { equals: "Never" } })).toEqual(["Delete repo"]);
    expect(await names({ property: "Mode", select: { equals: "approve" } })).toEqual(["Refund large"]);
    expect(await names({ property: "Priority", number: { greater_than: 1 } })).toEqual(["Delete repo", "Refund large"]);
    expect(await names({ property: "Priority", number: { less_than_or_equal_to: 5 } })).toEqual([
      "Refund large",
      "Refund small",
    ]);
    expect(await names({ property: "Active", checkbox: { equals: false } })).toEqual(["Delete repo"]);
    expect(await names({ property: "Tags", multi_select: { contains: "risk" } })).toEqual(["Refund large"]);
    expect(
      await names({
        and: [
          { property: "Mode", select: { equals: "allow" } },
          { property: "Priority", number: { equals: 1 } },
        ],
      }),
    ).toEqual(["Refund small"]);
    expect(
      await names({
        or: [
          { property: "Mode", select: { equals: "deny" } },
          { property: "Priority", number: { equals: 1 } },
        ],
      }),
    ).toEqual(["Delete repo", "Refund small"]);
  });

  it("filters by last_edited_time on or after a moment, with the time rounded down to the minute", async () => {
    let clock = new Date("2026-01-05T10:00:30.000Z");
    const emulator = startEmulator({ now: () => clock });
    const client = notion();
    const { dataSourceId } = await createPolicies(client, emulator);
    const old = await client.pages.create({
      parent: { data_source_id: dataSourceId },
      properties: { Name: { title: text("old") } },
    });
    clock = new Date("2026-01-05T10:07:45.000Z");
    const fresh = await client.pages.create({
      parent: { data_source_id: dataSourceId },
      properties: { Name: { title: text("fresh") } },
    });
    expect((fresh as PageObjectResponse).last_edited_time).toBe("2026-01-05T10:07:00.000Z");
    expect((old as PageObjectResponse).created_time).toBe("2026-01-05T10:00:00.000Z");

    const { results } = await client.dataSources.query({
      data_source_id: dataSourceId,
      filter: { timestamp: "last_edited_time", last_edited_time: { on_or_after: "2026-01-05T10:05:00.000Z" } },
    });
    expect(results.map(titleOf)).toEqual(["fresh"]);
  });

  it("sorts by a property either way and by timestamp", async () => {
    const { client, dataSourceId } = await seeded();
    const sorted = async (sorts: Parameters<typeof client.dataSources.query>[0]["sorts"]) =>
      (await client.dataSources.query({ data_source_id: dataSourceId, sorts })).results.map(titleOf);
    expect(await sorted([{ property: "Priority", direction: "descending" }])).toEqual([
      "Delete repo",
      "Refund large",
      "Refund small",
    ]);
    expect(await sorted([{ property: "Name", direction: "ascending" }])).toEqual([
      "Delete repo",
      "Refund large",
      "Refund small",
    ]);
    expect(await sorted([{ timestamp: "created_time", direction: "ascending" }])).toEqual([
      "Refund small",
      "Refund large",
      "Delete repo",
    ]);
  });

  it("pages through 150 rows 100 at a time and returns every row exactly once", async () => {
    const emulator = startEmulator();
    const client = notion();
    const { dataSourceId } = await createPolicies(client, emulator);
    for (let i = 0; i < 150; i++) {
      await client.pages.create({
        parent: { data_source_id: dataSourceId },
        properties: { Name: { title: text(`row ${i}`) } },
      });
    }
    const first = await client.dataSources.query({ data_source_id: dataSourceId });
    expect(first.results).toHaveLength(100);
    expect(first.has_more).toBe(true);
    const second = await client.dataSources.query({
      data_source_id: dataSourceId,
      start_cursor: first.next_cursor ?? undefined,
    });
    expect(second.results).toHaveLength(50);
    expect(second).toMatchObject({ has_more: false, next_cursor: null });
    const seen = [...first.results, ...second.results].map(titleOf);
    expect(new Set(seen).size).toBe(150);
  });

  it("adds an unknown select option to the schema, as Notion does", async () => {
    const { client, dataSourceId } = await seeded();
    await client.pages.create({
      parent: { data_source_id: dataSourceId },
      properties: { Name: { title: text("x") }, Mode: { select: { name: "shadow" } } },
    });
    const dataSource = await client.dataSources.retrieve({ data_source_id: dataSourceId });
    const mode = "properties" in dataSource ? dataSource.properties.Mode : undefined;
    expect(mode?.type === "select" ? mode.select.options.map((o) => o.name) : []).toContain("shadow");
  });

  it("refuses a property that is not in the schema", async () => {
    const { client, dataSourceId } = await seeded();
    await expect(
      client.pages.create({
        parent: { data_source_id: dataSourceId },
        properties: { Name: { title: text("x") }, Nope: { rich_text: text("y") } },
      }),
    ).rejects.toMatchObject({ status: 400, code: "validation_error" });
  });

  it("reads back a row, one property in full, and hides trashed rows from queries", async () => {
    const { client, dataSourceId } = await seeded();
    const created = await client.pages.create({
      parent: { data_source_id: dataSourceId },
      properties: {
        Name: { title: text("long") },
        Notes: { rich_text: Array.from({ length: 30 }, (_, i) => ({ text: { content: `part ${i} ` } })) },
      },
    });
    const page = (await client.pages.retrieve({ page_id: created.id })) as PageObjectResponse;
    const notes = page.properties.Notes;
    expect(notes?.type === "rich_text" ? notes.rich_text.length : 0).toBe(25);
    const full = await client.pages.properties.retrieve({ page_id: created.id, property_id: notes!.id });
    expect(full.object === "list" ? full.results.length : 0).toBe(30);

    await client.pages.update({ page_id: created.id, in_trash: true });
    const { results } = await client.dataSources.query({
      data_source_id: dataSourceId,
      filter: { property: "Name", title: { equals: "long" } },
    });
    expect(results).toEqual([]);
  });
});

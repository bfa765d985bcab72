import type { Client, QueryDataSourceParameters, QueryDataSourceResponse } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import type { NotionEmulator } from "../../emulator/notion";
import { createPolicies, notion, startEmulator, text, useEmulatorNetwork } from "./helpers";

useEmulatorNetwork();

/** A Policies data source holding `count` rows, numbered by Priority (0 … count-1). */
async function withRows(emulator: NotionEmulator, count: number) {
  const client = notion();
  const { dataSourceId } = await createPolicies(client, emulator);
  for (let i = 0; i < count; i++) {
    await client.pages.create({
      parent: { data_source_id: dataSourceId },
      properties: { Name: { title: text(`row ${i}`) }, Priority: { number: i } },
    });
  }
  return { client, dataSourceId };
}

/** Follows next_cursor until has_more is false; returns every page of the query. */
async function allPages(client: Client, query: QueryDataSourceParameters): Promise<QueryDataSourceResponse[]> {
  const pages: QueryDataSourceResponse[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.dataSources.query({ ...query, start_cursor: cursor });
    pages.push(page);
    cursor = page.next_cursor ?? undefined;
  } while (pages.at(-1)!.has_more);
  return pages;
}

const incomplete = { type: "incomplete", incomplete_reason: "query_result_limit_reached" };

describe("the per-query row cap (Notion's 10,000, lowered here)", () => {
  it("pages normally up to the cap, then ends with has_more false and an incomplete request status", async () => {
    const { client, dataSourceId } = await withRows(startEmulator({ queryRowCap: 25 }), 31);

    const pages = await allPages(client, { data_source_id: dataSourceId, page_size: 10 });

    expect(pages.map((p) => p.results.length)).toEqual([10, 10, 5]);
    expect(pages.map((p) => p.has_more)).toEqual([true, true, false]);
    expect(pages.at(-1)).toMatchObject({ next_cursor: null, request_status: incomplete });
    expect(pages.slice(0, -1).map((p) => p.request_status)).toEqual([{ type: "complete" }, { type: "complete" }]);
  });

  it("reports incomplete when the cap falls exactly on a page boundary", async () => {
    const { client, dataSourceId } = await withRows(startEmulator({ queryRowCap: 20 }), 21);

    const pages = await allPages(client, { data_source_id: dataSourceId, page_size: 10 });

    expect(pages.map((p) => p.results.length)).toEqual([10, 10]);
    expect(pages.at(-1)).toMatchObject({ has_more: false, request_status: incomplete });
  });

  it("keeps the rows of the sort order, so a fresh query from the last row reaches the rest", async () => {
    const { client, dataSourceId } = await withRows(startEmulator({ queryRowCap: 12 }), 20);
    const sorts: QueryDataSourceParameters["sorts"] = [{ property: "Priority", direction: "ascending" }];
    const priority = (page: QueryDataSourceResponse) =>
      page.results.map((r) =>
        "properties" in r && r.properties.Priority?.type === "number" ? r.properties.Priority.number : null,
      );

    const first = await allPages(client, { data_source_id: dataSourceId, sorts });
    const rest = await allPages(client, {
      data_source_id: dataSourceId,
      sorts,
      filter: { property: "Priority", number: { greater_than: 11 } },
    });

    expect(first.flatMap(priority)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(first.at(-1)?.request_status).toEqual(incomplete);
    expect(rest.flatMap(priority)).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);
    expect(rest.at(-1)?.request_status).toEqual({ type: "complete" });
  });

  it("counts only the rows that match the filter", async () => {
    const { client, dataSourceId } = await withRows(startEmulator({ queryRowCap: 10 }), 15);

    const [only] = await allPages(client, {
      data_source_id: dataSourceId,
      filter: { property: "Priority", number: { less_than: 10 } },
    });

    expect(only).toMatchObject({ has_more: false, request_status: { type: "complete" } });
    expect(only?.results).toHaveLength(10);
  });

  it("caps at 10,000 rows by default", async () => {
    const emulator = startEmulator();
    const client = notion();
    const { dataSourceId } = await createPolicies(client, emulator);
    const row = await client.pages.create({
      parent: { data_source_id: dataSourceId },
      properties: { Name: { title: text("template") } },
    });
    // 10,050 rows through the API would take minutes; copies straight into the state serve the same queries.
    const state = await emulator.state();
    const stored = state.pages[row.id]!;
    for (let i = 0; i < 10_049; i++) {
      const id = crypto.randomUUID();
      state.pages[id] = { seq: state.seq++, page: { ...stored.page, id } };
    }

    const pages = await allPages(client, { data_source_id: dataSourceId });

    expect(pages.reduce((sum, p) => sum + p.results.length, 0)).toBe(10_000);
    expect(pages.at(-1)?.request_status).toEqual(incomplete);
  });
});

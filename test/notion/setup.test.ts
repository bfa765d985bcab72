import { env } from "cloudflare:test";
import { Client, isFullDataSource, type DataSourceObjectResponse } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import { gatedFetch } from "../../src/notion/gated-fetch";
import { setupNotion } from "../../src/notion/setup";
import { notion, startEmulator, useEmulatorNetwork } from "../emulator/helpers";

useEmulatorNetwork();

const rowsOf = async (client: Client, data_source_id: string) =>
  (await client.dataSources.query({ data_source_id, page_size: 100 })).results;

describe("setting up the Notion databases", () => {
  it("creates the nine databases under the page, relations pointing at their targets, with sample rows", async () => {
    const emulator = startEmulator();
    const client = notion();
    const lines: string[] = [];
    const databases = await setupNotion(client, {
      parent_page_id: emulator.rootPageId,
      samples: true,
      log: (l) => lines.push(l),
    });

    expect(databases.map((d) => [d.title, d.created])).toEqual([
      ["Policies", true],
      ["Agents", true],
      ["Runbooks", true],
      ["Tools", true],
      ["Approvals", true],
      ["Digests", true],
      ["Incidents", true],
      ["Releases", true],
      ["Golden tasks", true],
    ]);
    expect(databases.find((d) => d.title === "Golden tasks")?.key).toBe("golden_tasks");
    expect(lines[0]).toMatch(/^\[1\/9\] Policies: created \(data source /);
    const id = (title: string) => databases.find((d) => d.title === title)!.data_source_id;

    const approvals = (await client.dataSources.retrieve({
      data_source_id: id("Approvals"),
    })) as DataSourceObjectResponse;
    expect(approvals.properties["Policy"]).toMatchObject({
      type: "relation",
      relation: { data_source_id: id("Policies") },
    });
    expect(approvals.properties["Decision"]).toMatchObject({ type: "select" });
    const incidents = (await client.dataSources.retrieve({
      data_source_id: id("Incidents"),
    })) as DataSourceObjectResponse;
    expect(incidents.properties["Runbook"]).toMatchObject({
      type: "relation",
      relation: { data_source_id: id("Runbooks") },
    });

    expect(await rowsOf(client, id("Policies"))).toHaveLength(10);
    expect(await rowsOf(client, id("Tools"))).toHaveLength(9);
    const runbooks = await rowsOf(client, id("Runbooks"));
    const owners = runbooks.map((page) => ("properties" in page ? page.properties["Owner"] : undefined));
    expect(owners.every((owner) => owner?.type === "people" && owner.people.length === 1)).toBe(true);
  });

  it("changes nothing when run again: every database is found and no row is added twice", async () => {
    const emulator = startEmulator();
    const client = notion();
    const options = { parent_page_id: emulator.rootPageId, samples: true, log: () => {} };
    const first = await setupNotion(client, options);
    const again = await setupNotion(client, options);
    expect(again.map((d) => d.data_source_id)).toEqual(first.map((d) => d.data_source_id));
    expect(again.every((d) => !d.created && d.sample_rows_added === 0)).toBe(true);
    const found = await client.search({ filter: { property: "object", value: "data_source" } });
    expect(found.results.filter(isFullDataSource)).toHaveLength(9);
  });

  it("runs through the Notion gate within Notion's rate limit", async () => {
    const emulator = startEmulator({ rateLimit: { perSecond: 3 } });
    const gate = env.NOTION_GATE.get(env.NOTION_GATE.idFromName(`setup-${Date.now()}`));
    const client = new Client({
      auth: "secret_emulator",
      fetch: gatedFetch(gate),
      retry: false,
      logger: () => undefined,
    });
    const databases = await setupNotion(client, { parent_page_id: emulator.rootPageId, samples: false, log: () => {} });
    expect(databases).toHaveLength(9);
    expect(emulator.rateLimit.limited).toBe(0);
    expect(emulator.rateLimit.busiestSecond).toBeLessThanOrEqual(3);
  });
});

import type { PageObjectResponse } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import { SAMPLE_PEOPLE } from "../../emulator/notion";
import { createPolicies, notion, startEmulator, text, useEmulatorNetwork } from "./helpers";

useEmulatorNetwork();

const person = (handle: string) => SAMPLE_PEOPLE.find((p) => p.handle === handle)!;

describe("who is acting", () => {
  it("stamps the bot on a row it creates and the person who edits it afterwards", async () => {
    const emulator = startEmulator();
    const bot = notion();
    const { dataSourceId } = await createPolicies(bot, emulator);
    const row = (await bot.pages.create({
      parent: { data_source_id: dataSourceId },
      properties: { Name: { title: text("p") } },
    })) as PageObjectResponse;
    const me = await bot.users.me({});
    expect(me.type).toBe("bot");
    expect(row.created_by).toEqual({ object: "user", id: me.id });

    const edited = (await notion("person:manager").pages.update({
      page_id: row.id,
      properties: { Mode: { select: { name: "deny" } } },
    })) as PageObjectResponse;
    expect(edited.last_edited_by).toEqual({ object: "user", id: person("manager").id });
    expect(edited.created_by).toEqual({ object: "user", id: me.id });
  });

  it("answers users.me for a person token with that person", async () => {
    startEmulator();
    const me = await notion("person:ops").users.me({});
    expect(me).toMatchObject({ id: person("ops").id, type: "person", person: { email: "ops@example.com" } });
  });

  it("refuses an unknown token or an unknown person with 401 unauthorized", async () => {
    startEmulator();
    await expect(notion("secret_wrong").users.me({})).rejects.toMatchObject({ status: 401, code: "unauthorized" });
    await expect(notion("person:mallory").users.me({})).rejects.toMatchObject({ status: 401, code: "unauthorized" });
  });

  it("lists the bot and the three sample people, and retrieves one by id", async () => {
    startEmulator();
    const client = notion();
    const { results } = await client.users.list({});
    expect(results.map((u) => u.type)).toEqual(["bot", "person", "person", "person"]);
    expect(results.map((u) => u.name)).toEqual(expect.arrayContaining(SAMPLE_PEOPLE.map((p) => p.name)));
    await expect(client.users.retrieve({ user_id: person("requester").id })).resolves.toMatchObject({
      name: person("requester").name,
    });
    await expect(client.users.retrieve({ user_id: "0123456789abcdef0123456789abcdef" })).rejects.toMatchObject({
      code: "object_not_found",
    });
  });

  it("sets people values to known users only", async () => {
    const emulator = startEmulator();
    const client = notion();
    const { dataSourceId } = await createPolicies(client, emulator);
    const row = (await client.pages.create({
      parent: { data_source_id: dataSourceId },
      properties: { Name: { title: text("p") }, Owner: { people: [{ id: person("requester").id }] } },
    })) as PageObjectResponse;
    expect(row.properties.Owner).toMatchObject({ type: "people", people: [{ id: person("requester").id }] });
    await expect(
      client.pages.create({
        parent: { data_source_id: dataSourceId },
        properties: { Name: { title: text("p") }, Owner: { people: [{ id: "0123456789abcdef0123456789abcdef" }] } },
      }),
    ).rejects.toMatchObject({ code: "validation_error" });
  });
});

describe("comments and search", () => {
  it("lists comments on a page, written by the bot and by a person replying in the same discussion", async () => {
    const emulator = startEmulator();
    const bot = notion();
    const { dataSourceId } = await createPolicies(bot, emulator);
    const row = await bot.pages.create({
      parent: { data_source_id: dataSourceId },
      properties: { Name: { title: text("p") } },
    });
    const first = await bot.comments.create({
      parent: { page_id: row.id },
      rich_text: text("Reverted to Pending: the requester cannot approve."),
    });
    await notion("person:ops").comments.create({
      discussion_id: "discussion_id" in first ? first.discussion_id : "",
      rich_text: text("Approved by ops"),
    });

    const { results } = await bot.comments.list({ block_id: row.id });
    expect(results.map((c) => c.rich_text[0]?.plain_text)).toEqual([
      "Reverted to Pending: the requester cannot approve.",
      "Approved by ops",
    ]);
    expect(results[1]).toMatchObject({
      created_by: { id: person("ops").id },
      display_name: { type: "user", resolved_name: person("ops").name },
    });
    expect(results[0]?.display_name.type).toBe("integration");
  });

  it("finds data sources and pages by title", async () => {
    const emulator = startEmulator();
    const client = notion();
    const { dataSourceId } = await createPolicies(client, emulator);
    await client.pages.create({
      parent: { data_source_id: dataSourceId },
      properties: { Name: { title: text("Refunds policy") } },
    });
    const sources = await client.search({ query: "polic", filter: { property: "object", value: "data_source" } });
    expect(sources.results.map((r) => r.id)).toEqual([dataSourceId]);
    const pages = await client.search({ query: "refunds", filter: { property: "object", value: "page" } });
    expect(pages.results).toHaveLength(1);
  });
});

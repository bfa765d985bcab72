import { signWebhookPayload, verifyWebhookSignature } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import { SAMPLE_PEOPLE, signWebhook, type WebhookDelivery } from "../../emulator/notion";
import { createPolicies, notion, startEmulator, text, useEmulatorNetwork } from "./helpers";

useEmulatorNetwork();

const manager = SAMPLE_PEOPLE.find((p) => p.handle === "manager")!;

describe("webhooks", () => {
  it("sends page.properties_updated naming the changed property, with the person as its single author, signed", async () => {
    const deliveries: WebhookDelivery[] = [];
    const emulator = startEmulator({ onWebhook: (d) => void deliveries.push(d) });
    const bot = notion();
    const { databaseId, dataSourceId } = await createPolicies(bot, emulator);
    const row = await bot.pages.create({
      parent: { data_source_id: dataSourceId },
      properties: { Name: { title: text("p") } },
    });
    await notion("person:manager").pages.update({
      page_id: row.id,
      properties: { Mode: { select: { name: "deny" } } },
    });
    await emulator.webhooksSettled();

    const source = await bot.dataSources.retrieve({ data_source_id: dataSourceId });
    const modeId = "properties" in source ? source.properties.Mode?.id : undefined;
    const update = deliveries.find((d) => d.event.type === "page.properties_updated")!;
    expect(update.event).toMatchObject({
      type: "page.properties_updated",
      authors: [{ id: manager.id, type: "person" }],
      entity: { id: row.id, type: "page" },
      data: {
        parent: { id: databaseId, type: "database", data_source_id: dataSourceId },
        updated_properties: [modeId],
      },
    });
    const signature = update.headers["x-notion-signature"];
    expect(
      await verifyWebhookSignature({
        body: update.body,
        signature,
        verificationToken: emulator.webhookVerificationToken,
      }),
    ).toBe(true);
    expect(await verifyWebhookSignature({ body: update.body, signature, verificationToken: "another token" })).toBe(
      false,
    );
  });

  it("sends page.created with the bot as author when the integration creates a row", async () => {
    const emulator = startEmulator();
    const bot = notion();
    const { dataSourceId } = await createPolicies(bot, emulator);
    const row = await bot.pages.create({
      parent: { data_source_id: dataSourceId },
      properties: { Name: { title: text("p") } },
    });
    const created = emulator.webhookEvents.find((e) => e.type === "page.created" && e.entity.id === row.id);
    expect(created?.authors).toEqual([{ id: emulator.directory.workspace.botId, type: "bot" }]);
  });

  it("sends data_source.schema_updated when a person changes the schema, and comment.created for a comment", async () => {
    const emulator = startEmulator();
    const { dataSourceId } = await createPolicies(notion(), emulator);
    await notion("person:manager").dataSources.update({
      data_source_id: dataSourceId,
      properties: { Reviewer: { people: {} } },
    });
    await notion("person:manager").comments.create({
      parent: { page_id: emulator.rootPageId },
      rich_text: text("hello"),
    });
    expect(emulator.webhookEvents.map((e) => e.type)).toEqual(
      expect.arrayContaining(["data_source.schema_updated", "comment.created"]),
    );
    const schema = emulator.webhookEvents.find((e) => e.type === "data_source.schema_updated");
    expect(
      schema?.type === "data_source.schema_updated" ? schema.data.updated_properties?.[0] : undefined,
    ).toMatchObject({ name: "Reviewer", action: "created" });
  });

  it("signs as Notion does: sha256=<hex HMAC-SHA256 of the raw body>", async () => {
    const body = JSON.stringify({ hello: "world" });
    expect(await signWebhook(body, "token")).toBe(await signWebhookPayload({ body, verificationToken: "token" }));
    expect(await signWebhook(body, "token")).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it("records a delivery that throws without failing the request that caused it", async () => {
    const emulator = startEmulator({ onWebhook: () => Promise.reject(new Error("worker down")) });
    const page = await notion().pages.create({
      parent: { page_id: emulator.rootPageId },
      properties: { title: { title: text("x") } },
    });
    await emulator.webhooksSettled();
    expect(page.object).toBe("page");
    expect(emulator.webhookFailures).toHaveLength(1);
  });
});

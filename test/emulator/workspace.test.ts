import type { PageObjectResponse } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import { SAMPLE_PEOPLE, type NotionEmulator } from "../../emulator/notion";
import { createWorkspace } from "../../emulator/workspace/workspace";
import { createPolicies, notion, startEmulator, text, useEmulatorNetwork } from "./helpers";

useEmulatorNetwork();

const ORIGIN = "http://127.0.0.1:8788";
const person = (handle: string) => SAMPLE_PEOPLE.find((p) => p.handle === handle)!;

/** A workspace over a fresh emulator holding the Policies database and one row titled `title`. */
async function workspaceWithRow(title = "Refunds over $500") {
  const emulator = startEmulator();
  const bot = notion();
  const { dataSourceId } = await createPolicies(bot, emulator);
  const row = (await bot.pages.create({
    parent: { data_source_id: dataSourceId },
    properties: { Name: { title: text(title) }, Mode: { select: { name: "approve" } } },
  })) as PageObjectResponse;
  const workspace = createWorkspace(emulator);
  /** A browser request: GET, or POST of `form` as `as` (default: no cookie, the manager). */
  const open = (path: string, options: { form?: Record<string, string>; as?: string; origin?: string } = {}) =>
    workspace.handle(
      new Request(`${ORIGIN}${path}`, {
        method: options.form ? "POST" : "GET",
        headers: {
          ...(options.as ? { cookie: `workspace_person=${options.as}` } : {}),
          ...(options.form ? { origin: options.origin ?? ORIGIN } : {}),
        },
        body: options.form ? new URLSearchParams(options.form) : undefined,
      }),
    );
  return { emulator, bot, dataSourceId, row, open };
}

async function pageOf(emulator: NotionEmulator, id: string) {
  return (await emulator.state()).pages[id]!.page;
}

describe("the web workspace", () => {
  it("lists the databases and shows a database as a table whose titles open the pages", async () => {
    const { dataSourceId, row, open } = await workspaceWithRow();
    const home = await (await open("/")).text();
    expect(home).toContain(`href="/data-sources/${dataSourceId}">Policies</a>`);
    const table = await (await open(`/data-sources/${dataSourceId}`)).text();
    expect(table).toContain("<th>Mode</th>");
    expect(table).toContain(`<a href="/pages/${row.id}">Refunds over $500</a>`);
    expect(table).toContain("<td>approve</td>");
  });

  it("shows a page's select as a choice of its options, the current one selected", async () => {
    const { row, open } = await workspaceWithRow();
    const page = await (await open(`/pages/${row.id}`)).text();
    expect(page).toMatch(/<select name="value" data-property="Mode"[\s\S]*<option selected>approve<\/option>/);
    expect(page).toContain("<option>deny</option>");
  });

  it("shows a relation as links to the linked pages, by their titles", async () => {
    const { emulator, bot, dataSourceId, row, open } = await workspaceWithRow();
    const approvals = await bot.databases.create({
      parent: { type: "page_id", page_id: emulator.rootPageId },
      title: text("Approvals"),
      initial_data_source: {
        properties: {
          Request: { title: {} },
          Policy: { relation: { data_source_id: dataSourceId, type: "single_property", single_property: {} } },
        },
      },
    });
    const approvalsId = "data_sources" in approvals ? approvals.data_sources[0]!.id : "";
    const approval = await bot.pages.create({
      parent: { data_source_id: approvalsId },
      properties: { Request: { title: text("A $700 refund") }, Policy: { relation: [{ id: row.id }] } },
    });
    const page = await (await open(`/pages/${approval.id}`)).text();
    expect(page).toMatch(new RegExp(`<a class="relation" href="/pages/${row.id}"\\s*>Refunds over \\$500</a`));
    expect(await (await open(`/data-sources/${approvalsId}`)).text()).toContain("<td>1 linked</td>");
  });

  it("shows values holding markup as text, never as markup, and forbids inline scripts", async () => {
    const hostile = `<script>alert("x")</script><img src=x onerror=alert(1)>`;
    const { dataSourceId, row, open, bot } = await workspaceWithRow(hostile);
    await bot.pages.update({
      page_id: row.id,
      properties: { Notes: { rich_text: text(`" onfocus="alert(2)`) }, Tags: { multi_select: [{ name: hostile }] } },
    });
    await bot.blocks.children.append({
      block_id: row.id,
      children: [{ paragraph: { rich_text: text(hostile) } }],
    });
    for (const path of [`/data-sources/${dataSourceId}`, `/pages/${row.id}`]) {
      const response = await open(path);
      const body = await response.text();
      expect(body).not.toContain("<script>alert");
      expect(body).not.toContain("<img");
      expect(body).not.toContain(`" onfocus="`);
      expect(body).toContain("&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;");
      expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
    }
  });

  it("saves a select chosen as ops as ops's edit, and Notion's webhook names ops as its author", async () => {
    const { emulator, row, dataSourceId, open, bot } = await workspaceWithRow();
    const saved = await open(`/pages/${row.id}`, { as: "ops", form: { property: "Mode", value: "deny" } });
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe(`/pages/${row.id}`);

    const page = await pageOf(emulator, row.id);
    expect(page.properties.Mode).toMatchObject({ select: { name: "deny" } });
    expect(page.last_edited_by.id).toBe(person("ops").id);
    await emulator.webhooksSettled();
    const source = await bot.dataSources.retrieve({ data_source_id: dataSourceId });
    const modeId = "properties" in source ? source.properties.Mode?.id : undefined;
    expect(emulator.webhookEvents.at(-1)).toMatchObject({
      type: "page.properties_updated",
      authors: [{ id: person("ops").id, type: "person" }],
      entity: { id: row.id },
      data: { updated_properties: [modeId] },
    });
  });

  it("saves text and number cells, and refuses a number that is not one with a message, changing nothing", async () => {
    const { emulator, row, open } = await workspaceWithRow();
    await open(`/pages/${row.id}`, { form: { property: "Notes", value: "ask finance first" } });
    await open(`/pages/${row.id}`, { form: { property: "Priority", value: "2.5" } });
    const refused = await open(`/pages/${row.id}`, { form: { property: "Priority", value: "lots" } });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("lots is not a number.");
    const page = await pageOf(emulator, row.id);
    expect(page.properties.Notes).toMatchObject({ rich_text: [{ plain_text: "ask finance first" }] });
    expect(page.properties.Priority).toMatchObject({ number: 2.5 });
    expect(page.last_edited_by.id).toBe(person("manager").id);
  });

  it("takes a multi-select as comma-separated names and a checkbox as ticked or not", async () => {
    const { emulator, row, open } = await workspaceWithRow();
    await open(`/pages/${row.id}`, { form: { property: "Tags", value: " finance, refunds ,," } });
    await open(`/pages/${row.id}`, { form: { property: "Active", value: "on" } });
    let page = await pageOf(emulator, row.id);
    expect(page.properties.Tags).toMatchObject({ multi_select: [{ name: "finance" }, { name: "refunds" }] });
    expect(page.properties.Active).toMatchObject({ checkbox: true });
    // An unticked checkbox sends no value at all.
    await open(`/pages/${row.id}`, { form: { property: "Active" } });
    page = await pageOf(emulator, row.id);
    expect(page.properties.Active).toMatchObject({ checkbox: false });
  });

  it("adds a new row as the chosen person and opens it", async () => {
    const { emulator, dataSourceId, open } = await workspaceWithRow();
    const created = await open(`/data-sources/${dataSourceId}/rows`, { as: "requester", form: { title: "New rule" } });
    expect(created.status).toBe(303);
    const id = /^\/pages\/(.+)$/.exec(created.headers.get("location") ?? "")?.[1] ?? "";
    const page = await pageOf(emulator, id);
    expect(page.created_by.id).toBe(person("requester").id);
    expect(page.properties.Name).toMatchObject({ title: [{ plain_text: "New rule" }] });
    expect(emulator.webhookEvents.at(-1)).toMatchObject({
      type: "page.created",
      authors: [{ id: person("requester").id, type: "person" }],
    });
    expect(await (await open(created.headers.get("location")!)).text()).toContain("<h1>New rule</h1>");
  });

  it("switches who you are with a cookie and comes back to the same screen", async () => {
    const { row, open } = await workspaceWithRow();
    const switched = await open("/person", { form: { person: "ops", back: `/pages/${row.id}` } });
    expect(switched.status).toBe(303);
    expect(switched.headers.get("location")).toBe(`/pages/${row.id}`);
    expect(switched.headers.get("set-cookie")).toMatch(/^workspace_person=ops; Path=\/; SameSite=Strict/);
    expect(await (await open(`/pages/${row.id}`, { as: "ops" })).text()).toMatch(
      /<option value="ops"\s+selected>\s*Omar Ops \(ops\)\s*<\/option>/,
    );
    const offsite = await open("/person", { form: { person: "ops", back: "//evil.example" } });
    expect(offsite.headers.get("location")).toBe("/");
    expect((await open("/person", { form: { person: "mallory" } })).status).toBe(400);
  });

  it("refuses an edit posted from another site, changing nothing", async () => {
    const { emulator, row, open } = await workspaceWithRow();
    const refused = await open(`/pages/${row.id}`, {
      origin: "https://evil.example",
      form: { property: "Mode", value: "deny" },
    });
    expect(refused.status).toBe(403);
    expect((await pageOf(emulator, row.id)).properties.Mode).toMatchObject({ select: { name: "approve" } });
  });

  it("answers a page that does not exist with Notion's own message", async () => {
    const { open } = await workspaceWithRow();
    const missing = await open("/pages/00000000-0000-4000-8000-000000000000");
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("Could not find page");
  });
});

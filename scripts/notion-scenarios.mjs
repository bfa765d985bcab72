// The Notion-facing scenarios of Policy OS, written once and run against any Notion: the local emulator
// (`npm run test:notion-live -- --emulator`, in CI) or a real workspace (`npm run test:notion-live`). Each scenario
// gets a context naming the Worker, the Notion client of the integration, who edits rows and who decides approvals;
// only that context differs between the two runs.
import { readFileSync, readdirSync } from "node:fs";
import { until } from "./local-stack.mjs";

/**
 * @typedef {object} ScenarioContext
 * @property {Awaited<ReturnType<typeof import("./local-stack.mjs").startStack>>} stack the Worker (and emulator)
 * @property {Record<string, string>} ids the data source ids `notion setup` created, by lower-case database title
 * @property {string} parent the fresh page the databases are under
 * @property {import("@notionhq/client").Client} notion the integration: it reads, and edits rows as a person would
 *   (Notion's API acts only as the integration; the browser demo plays people's edits in the emulator)
 * @property {{ name: string, decide?: (pageId: string, url: string) => Promise<void>, absent?: string }} approver
 *   the approver the policy names; `decide` sets an approval page's Decision to Approved as that person, or
 *   `absent` says why no person can here
 * @property {number} patienceMs how long an effect may take to show (real Notion's search and queries lag)
 * @property {number} pollMs how often to look again (each look may run the Worker's cron: gentle on real Notion)
 * @property {(ok: boolean, what: string) => boolean} check records one expectation
 * @property {(why: string) => void} skip records that the rest of the scenario cannot run here, and why
 */

/** The scenarios, in the order they build on each other: setup, an edit's sync, a rejected row, an approval, a digest. */
export const SCENARIOS = [
  {
    name: "setup creates every database of notion-templates/ under the page, with their template's properties",
    run: setup,
  },
  { name: "an edit of a policy row is synced and in force", run: syncOfAnEdit },
  { name: "a row that cannot apply says why in its Sync status, and is not in force", run: rejectedRow },
  { name: "a held call's approval page is decided by a person, and then shows Executed", run: approvalByPerson },
  { name: "the weekly digest page is written with the ledger's checkpoint", run: digestPage },
];

const REFUND = { customer_id: "cus_002", amount_cents: 70_000, reason: "damaged in transit" };

/** @param {ScenarioContext} ctx */
async function setup(ctx) {
  const templates = readdirSync("notion-templates").map((file) =>
    JSON.parse(readFileSync(`notion-templates/${file}`, "utf8")),
  );
  for (const template of templates) {
    const key = template.title.toLowerCase().replaceAll(" ", "_");
    const id = ctx.ids[key];
    if (!ctx.check(Boolean(id), `${template.title} has a data source`)) continue;
    const source = await ctx.notion.dataSources.retrieve({ data_source_id: id });
    const database = await ctx.notion.databases.retrieve({ database_id: source.parent.database_id });
    const wrong = Object.entries(template.properties)
      .filter(([name, property]) => source.properties[name]?.type !== property.type)
      .map(([name, property]) => `${name} (${property.type}, found ${source.properties[name]?.type ?? "nothing"})`);
    ctx.check(
      sameId(database.parent.page_id, ctx.parent) && wrong.length === 0,
      `${template.title} is under the test page with its ${Object.keys(template.properties).length} properties` +
        (wrong.length > 0 ? `; these differ: ${wrong.join(", ")}` : ""),
    );
  }
  const connection = await ctx.stack.admin("GET", "/notion");
  ctx.check(connection.status === 200, `tenant ${ctx.stack.tenant} is connected to them`);
}

/** @param {ScenarioContext} ctx */
async function syncOfAnEdit(ctx) {
  const row = await rowOf(ctx, "policies", "Policy ID", "refund-over-limit");
  const approvers = ["manager", ctx.approver.name];
  await ctx.notion.pages.update({
    page_id: row.id,
    properties: { Approvers: { multi_select: approvers.map((name) => ({ name })) } },
  });
  const inForce = (rows) =>
    rows.some((r) => r["Policy ID"] === "refund-over-limit" && r.Approvers?.includes(ctx.approver.name));
  const rows = await until(
    async () => {
      await syncNow(ctx);
      return (await ctx.stack.admin("GET", "/policies")).body.rows ?? [];
    },
    inForce,
    ctx.patienceMs,
    ctx.pollMs,
  );
  ctx.check(inForce(rows), `refund-over-limit now names ${approvers.join(" and ")} as its approvers`);
}

/** @param {ScenarioContext} ctx */
async function rejectedRow(ctx) {
  const text = (content) => ({ rich_text: [{ type: "text", text: { content } }] });
  const row = await ctx.notion.pages.create({
    parent: { data_source_id: ctx.ids.policies },
    properties: {
      Name: { title: [{ type: "text", text: { content: "Contact edits wait for a broken condition" } }] },
      "Policy ID": text("broken-condition"),
      Type: { select: { name: "block" } },
      Mode: { select: { name: "block" } },
      Status: { select: { name: "Active" } },
      Tools: text("crm.update_contact"),
      Condition: text("args.x >"),
      "Reason code": text("broken_condition"),
    },
  });
  const status = await until(
    async () => {
      await syncNow(ctx);
      return propertyText(await ctx.notion.pages.retrieve({ page_id: row.id }), "Sync status");
    },
    (value) => value.startsWith("not applied:"),
    ctx.patienceMs,
    ctx.pollMs,
  );
  ctx.check(
    status.startsWith("not applied: Condition:") && status.endsWith("This row is not in force."),
    `its Sync status says: ${status || "(empty)"}`,
  );
  const agent = await ctx.stack.agent();
  const edit = await agent.call("crm.update_contact", { contact_id: "con_002", fields: { notes: "called back" } });
  ctx.check(
    !edit.decision?.policy_ids?.includes("broken-condition"),
    `crm.update_contact is not decided by it (${edit.outcome})`,
  );
}

/** @param {ScenarioContext} ctx */
async function approvalByPerson(ctx) {
  const agent = await ctx.stack.agent();
  const held = await agent.call("payments.create_refund", REFUND);
  const approvers = held.denial?.details?.approvers ?? [];
  if (
    !ctx.check(
      held.outcome === "pending_approval" && approvers.includes(ctx.approver.name),
      `a $700 refund is held for ${approvers.join(" or ") || "nobody"}`,
    )
  )
    return;
  const page = await until(
    () => rowOf(ctx, "approvals", "Escalation ID", held.escalation_id).catch(() => null),
    (found) => found !== null,
    ctx.patienceMs,
    ctx.pollMs,
  );
  if (!ctx.check(page !== null, `its approval page is in Approvals`)) return;
  const blocks = await ctx.notion.blocks.children.list({ block_id: page.id });
  const headings = blocks.results.filter((b) => b.type?.startsWith("heading_")).map((b) => plain(b[b.type].rich_text));
  ctx.check(
    selectOf(page, "Decision") === "Pending" && headings.includes("Why it was held"),
    `the page "${titleOf(page)}" says Pending and why the call was held (${headings.join(", ")})`,
  );

  // The integration's own edit is never a person's decision: it is put back to Pending with a comment.
  await ctx.notion.pages.update({ page_id: page.id, properties: { Decision: { select: { name: "Approved" } } } });
  const reverted = await until(
    async () => {
      await ctx.stack.tick();
      const comments = await ctx.notion.comments.list({ block_id: page.id });
      return {
        decision: selectOf(await ctx.notion.pages.retrieve({ page_id: page.id }), "Decision"),
        comment: comments.results.map((c) => plain(c.rich_text)).find((t) => t.includes("cannot tell who set it")),
      };
    },
    (seen) => seen.decision === "Pending" && seen.comment !== undefined,
    ctx.patienceMs,
    ctx.pollMs,
  );
  ctx.check(
    reverted.decision === "Pending" && reverted.comment !== undefined,
    `Approved set by the integration is put back to Pending: "${reverted.comment ?? "no comment"}"`,
  );

  if (!ctx.approver.decide) return ctx.skip(ctx.approver.absent ?? "no person can decide here");
  await ctx.approver.decide(page.id, page.url);
  const status = await until(
    async () => {
      await ctx.stack.tick();
      return (await agent.call("governance.escalation_status", { escalation_id: held.escalation_id })).data?.status;
    },
    (value) => value === "approved",
    ctx.patienceMs,
    ctx.pollMs,
  );
  ctx.check(status === "approved", `${ctx.approver.name}'s decision is taken: the escalation is ${status}`);
  const retry = await agent.call("payments.create_refund", REFUND);
  ctx.check(retry.outcome === "succeeded", `the agent's retry runs once: ${retry.outcome}`);
  const executed = await until(
    () => ctx.notion.pages.retrieve({ page_id: page.id }),
    (p) => selectOf(p, "Decision") === "Executed",
    ctx.patienceMs,
    ctx.pollMs,
  );
  ctx.check(
    selectOf(executed, "Decision") === "Executed" && executed.properties["Decided by"]?.people?.length === 1,
    `the page says ${selectOf(executed, "Decision")}, with who decided`,
  );
}

/** @param {ScenarioContext} ctx */
async function digestPage(ctx) {
  const monday = new Date();
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
  const week = monday.toISOString().slice(0, 10);
  const written = await ctx.stack.admin("POST", "/digest", { week });
  if (!ctx.check(written.status === 200, `POST /admin/digest answers ${written.status}`)) return;
  const head = (await ctx.stack.admin("GET", "/ledger?limit=1")).body.head;
  // The cron may have written the last complete week's page too: this week's is the one asked for.
  const digest = await until(
    async () =>
      (await rowsOf(ctx, "digests", "Tenant", ctx.stack.tenant)).find((page) => titleOf(page) === `Week of ${week}`) ??
      null,
    (page) => page !== null,
    ctx.patienceMs,
    ctx.pollMs,
  );
  const numberOf = (name) => digest?.properties[name]?.number;
  ctx.check(
    digest !== null && numberOf("Calls") > 0,
    `the Digests page "${digest ? titleOf(digest) : "none"}" counts ${numberOf("Calls")} calls`,
  );
  ctx.check(
    numberOf("Ledger seq") === head.seq,
    `it names the ledger's checkpoint at seq ${numberOf("Ledger seq")} (the head is seq ${head.seq})`,
  );
}

/** Asks the Worker to sync now (real Notion's webhooks cannot reach a local Worker). */
async function syncNow(ctx) {
  await ctx.stack.admin("POST", "/sync", { wait: true });
}

/** The rows of a database whose text property equals `value`. */
async function rowsOf(ctx, database, property, value) {
  const { results } = await ctx.notion.dataSources.query({
    data_source_id: ctx.ids[database],
    filter: { property, rich_text: { equals: value } },
  });
  return results;
}

/** The row of a database whose text property equals `value`; throws when there is none. */
async function rowOf(ctx, database, property, value) {
  const [row] = await rowsOf(ctx, database, property, value);
  if (!row) throw new Error(`no row of ${database} with ${property} ${value}`);
  return row;
}

const plain = (parts = []) => parts.map((part) => part.plain_text).join("");
const sameId = (a, b) => a?.replaceAll("-", "") === b?.replaceAll("-", "");
const selectOf = (page, name) => page?.properties?.[name]?.select?.name ?? null;
const propertyText = (page, name) => plain(page.properties[name]?.rich_text);
const titleOf = (page) => plain(Object.values(page.properties).find((value) => value.type === "title")?.title);

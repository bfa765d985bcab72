import { env } from "cloudflare:test";
import { isFullBlock, isFullPage, type BlockObjectResponse, type PageObjectResponse } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import { digestFigures } from "../../src/digest/figures";
import { templateNarrative } from "../../src/digest/template";
import { writeDigestPage } from "../../src/digest/write-page";
import { notionDigestPages } from "../../src/notion/digest/digest-pages";
import type { Env } from "../../src/env";
import { useEmulatorNetwork } from "../emulator/helpers";
import {
  blockTextOf,
  connectedTenant,
  disconnectAfterEach,
  disconnectAfterThisTest,
  propertyOf,
} from "../support/notion-tenant";
import { admin, newTenant } from "../support/worker";
import { seedCalls, type SeedCall } from "./seed";

useEmulatorNetwork();

const workerEnv = env as unknown as Env;
const pages = notionDigestPages(workerEnv);
const WEEK = "2026-11-16";
const NOW = new Date("2026-11-24T12:00:00.000Z");
const now = () => NOW;

disconnectAfterEach();

type Connected = Awaited<ReturnType<typeof connectedTenant>>;

/** `n` succeeded calls in the week. */
const calls = (n: number): SeedCall[] =>
  Array.from({ length: n }, (_, i) => ({
    tool: "crm.search",
    decision: "authorized",
    reason_code: "allowed",
    outcome: "succeeded",
    agent_id: "agt_x",
    at: `2026-11-18T10:00:${String(i % 60).padStart(2, "0")}.000Z`,
  }));

async function digestRows(t: Connected): Promise<PageObjectResponse[]> {
  const rows = await t.manager.dataSources.query({ data_source_id: t.ids.digests! });
  return rows.results.filter(isFullPage);
}

async function bodyOf(t: Connected, page_id: string): Promise<BlockObjectResponse[]> {
  const blocks = await t.manager.blocks.children.list({ block_id: page_id, page_size: 100 });
  return blocks.results.filter(isFullBlock).filter((block) => !block.in_trash);
}

function digestRow(tenant: string) {
  return env.DB.prepare("SELECT * FROM digests WHERE tenant_id = ? AND week_start = ?")
    .bind(tenant, WEEK)
    .first<Record<string, string | null>>();
}

/** Makes the emulator answer the Worker's next create of a Digests page with an error, having stored it or not. */
function failNextDigestCreate(t: Connected, when: "after_storing" | "before_storing") {
  const watch = { creates: 0 };
  let armed = true;
  const handle = t.emulator.handle.bind(t.emulator);
  t.emulator.handle = async (request: Request) => {
    const isCreate =
      request.method === "POST" &&
      new URL(request.url).pathname === "/v1/pages" &&
      ((await request.clone().json()) as { parent?: { data_source_id?: string } }).parent?.data_source_id ===
        t.ids.digests;
    if (!isCreate) return handle(request);
    watch.creates++;
    if (!armed) return handle(request);
    armed = false;
    if (when === "after_storing") await handle(request);
    const status = when === "after_storing" ? 500 : 503;
    return Response.json({ object: "error", status, code: "internal_server_error", message: "down" }, { status });
  };
  return watch;
}

describe("writing a week's digest page", () => {
  it("creates the page in the Digests database with the figures, the period and the template's narrative", async () => {
    const t = await connectedTenant();
    await seedCalls(t.tenant, calls(3));
    const figures = await digestFigures(workerEnv, t.tenant, WEEK, { now });
    const result = await writeDigestPage(workerEnv.DB, pages, t.tenant, WEEK, figures, templateNarrative(figures), {
      now,
    });
    expect(result).toEqual({ status: "created", page_id: expect.any(String) });

    const rows = await digestRows(t);
    expect(rows.map((row) => row.id)).toEqual([(result as { page_id: string }).page_id]);
    const page = rows[0]!;
    expect({
      Week: propertyOf(page, "Week"),
      Tenant: propertyOf(page, "Tenant"),
      Period: propertyOf(page, "Period"),
      Calls: propertyOf(page, "Calls"),
      Held: propertyOf(page, "Held"),
      "Ledger seq": propertyOf(page, "Ledger seq"),
      "Ledger head": propertyOf(page, "Ledger head"),
      "Written by": propertyOf(page, "Written by"),
    }).toEqual({
      Week: "Week of 2026-11-16",
      Tenant: t.tenant,
      Period: ["2026-11-16", "2026-11-22"],
      Calls: 3,
      Held: 0,
      "Ledger seq": figures.ledger.seq,
      "Ledger head": figures.ledger.hash,
      "Written by": "Template",
    });
    const texts = (await bodyOf(t, page.id)).map(blockTextOf);
    expect(texts[0]).toMatch(/^Narrative \(template\): In the week of 2026-11-16, agents made 3 tool calls/);
    expect(texts).toContain("Total: 3");

    const stored = await digestRow(t.tenant);
    expect(stored).toMatchObject({
      page_id: page.id,
      written_at: NOW.toISOString(),
      written_by: "Template",
      claimed_until: null,
      attempted_at: NOW.toISOString(),
    });
    expect(JSON.parse(stored!.figures!)).toEqual(figures);
  });

  it("updates the same page when the week is written again, leaving one page with the second figures and body", async () => {
    const t = await connectedTenant();
    await seedCalls(t.tenant, calls(3));
    const first = await digestFigures(workerEnv, t.tenant, WEEK, { now });
    const created = await writeDigestPage(workerEnv.DB, pages, t.tenant, WEEK, first, templateNarrative(first), {
      now,
    });
    expect(created.status).toBe("created");

    await seedCalls(t.tenant, calls(4));
    const second = await digestFigures(workerEnv, t.tenant, WEEK, { now });
    const later = () => new Date(NOW.getTime() + 3600_000);
    const narrative = { paragraphs: ["Seven calls, all fine.", "Nothing was held."], written_by: "Claude" as const };
    const updated = await writeDigestPage(workerEnv.DB, pages, t.tenant, WEEK, second, narrative, { now: later });
    expect(updated).toEqual({ status: "updated", page_id: (created as { page_id: string }).page_id });

    const rows = await digestRows(t);
    expect(rows).toHaveLength(1);
    expect(propertyOf(rows[0]!, "Calls")).toBe(7);
    expect(propertyOf(rows[0]!, "Written by")).toBe("Claude");
    const texts = (await bodyOf(t, rows[0]!.id)).map(blockTextOf);
    expect(texts.slice(0, 2)).toEqual(["Narrative (Claude): Seven calls, all fine.", "Nothing was held."]);
    expect(texts).toContain("Total: 7");
    expect(texts).not.toContain("Total: 3");
    expect(texts.filter((text) => text.startsWith("Narrative ("))).toHaveLength(1);
    expect(await digestRow(t.tenant)).toMatchObject({ written_by: "Claude", written_at: later().toISOString() });
    expect(JSON.parse((await digestRow(t.tenant))!.figures!).calls.total).toBe(7);
  });

  it("writes a new page when someone deleted the week's page in Notion", async () => {
    const t = await connectedTenant();
    await seedCalls(t.tenant, calls(2));
    const figures = await digestFigures(workerEnv, t.tenant, WEEK, { now });
    const created = await writeDigestPage(workerEnv.DB, pages, t.tenant, WEEK, figures, templateNarrative(figures), {
      now,
    });
    await t.manager.pages.update({ page_id: (created as { page_id: string }).page_id, in_trash: true });

    const again = await writeDigestPage(workerEnv.DB, pages, t.tenant, WEEK, figures, templateNarrative(figures), {
      now,
    });
    expect(again).toMatchObject({ status: "created" });
    const rows = await digestRows(t);
    expect(rows.map((row) => row.id)).toEqual([(again as { page_id: string }).page_id]);
    expect((await bodyOf(t, rows[0]!.id)).length).toBeGreaterThan(3);
  });

  it("finds the page a create whose answer was lost made, and updates it instead of making a second", async () => {
    const t = await connectedTenant();
    await seedCalls(t.tenant, calls(2));
    const figures = await digestFigures(workerEnv, t.tenant, WEEK, { now });
    const watch = failNextDigestCreate(t, "after_storing");

    const lost = await writeDigestPage(workerEnv.DB, pages, t.tenant, WEEK, figures, templateNarrative(figures), {
      now,
    });
    expect(lost).toMatchObject({ status: "failed" });
    expect(await digestRow(t.tenant)).toMatchObject({
      page_id: null,
      attempted_at: NOW.toISOString(),
      claimed_until: null,
    });
    expect(await digestRows(t)).toHaveLength(1);

    const again = await writeDigestPage(workerEnv.DB, pages, t.tenant, WEEK, figures, templateNarrative(figures), {
      now,
    });
    const rows = await digestRows(t);
    expect(rows).toHaveLength(1);
    expect(again).toEqual({ status: "found_and_updated", page_id: rows[0]!.id });
    expect(watch.creates).toBe(1);
    expect((await digestRow(t.tenant))!.page_id).toBe(rows[0]!.id);
    const texts = (await bodyOf(t, rows[0]!.id)).map(blockTextOf);
    expect(texts.filter((text) => text.startsWith("Narrative ("))).toHaveLength(1);
  });

  it("creates the page on the next write when a create failed before Notion stored it", async () => {
    const t = await connectedTenant();
    const figures = await digestFigures(workerEnv, t.tenant, WEEK, { now });
    const watch = failNextDigestCreate(t, "before_storing");
    expect(
      await writeDigestPage(workerEnv.DB, pages, t.tenant, WEEK, figures, templateNarrative(figures), { now }),
    ).toMatchObject({
      status: "failed",
    });
    expect(await digestRows(t)).toHaveLength(0);
    const again = await writeDigestPage(workerEnv.DB, pages, t.tenant, WEEK, figures, templateNarrative(figures), {
      now,
    });
    expect(again).toMatchObject({ status: "created" });
    expect(await digestRows(t)).toHaveLength(1);
    expect(watch.creates).toBe(2);
  });

  it("keeps another tenant's page of the same week apart", async () => {
    const t = await connectedTenant();
    const { tenant: other } = await newTenant();
    const connected = await admin("PUT", `/notion?tenant=${other}`, { data_sources: t.ids, requests_per_second: 50 });
    expect(connected.status).toBe(200);
    disconnectAfterThisTest(other);
    const mine = await digestFigures(workerEnv, t.tenant, WEEK, { now });
    const theirs = await digestFigures(workerEnv, other, WEEK, { now });
    const a = await writeDigestPage(workerEnv.DB, pages, t.tenant, WEEK, mine, templateNarrative(mine), { now });
    // The other tenant's create is lost: its lookup must not adopt the first tenant's page of the same title.
    failNextDigestCreate(t, "before_storing");
    await writeDigestPage(workerEnv.DB, pages, other, WEEK, theirs, templateNarrative(theirs), { now });
    const b = await writeDigestPage(workerEnv.DB, pages, other, WEEK, theirs, templateNarrative(theirs), { now });
    expect(a.status).toBe("created");
    expect(b.status).toBe("created");
    const rows = await digestRows(t);
    expect(rows.map((row) => propertyOf(row, "Tenant")).sort()).toEqual([t.tenant, other].sort());
  });

  it("skips a tenant without a Notion connection, and a week another writer holds", async () => {
    const { tenant } = await newTenant();
    const figures = await digestFigures(workerEnv, tenant, WEEK, { now });
    expect(
      await writeDigestPage(workerEnv.DB, pages, tenant, WEEK, figures, templateNarrative(figures), { now }),
    ).toEqual({
      status: "skipped",
      reason: "no_connection",
    });

    const t = await connectedTenant();
    await env.DB.prepare("INSERT INTO digests (tenant_id, week_start, claimed_until) VALUES (?, ?, ?)")
      .bind(t.tenant, WEEK, new Date(NOW.getTime() + 60_000).toISOString())
      .run();
    expect(
      await writeDigestPage(workerEnv.DB, pages, t.tenant, WEEK, figures, templateNarrative(figures), { now }),
    ).toEqual({
      status: "skipped",
      reason: "in_progress",
    });
    expect(await digestRows(t)).toHaveLength(0);
    // Once the claim has run out, the week is written.
    const later = () => new Date(NOW.getTime() + 120_000);
    expect(
      await writeDigestPage(workerEnv.DB, pages, t.tenant, WEEK, figures, templateNarrative(figures), { now: later }),
    ).toMatchObject({
      status: "created",
    });
  });

  it("reports a Notion that refuses the integration as a failure without throwing, and frees the week", async () => {
    const t = await connectedTenant();
    await admin("PUT", `/notion?tenant=${t.tenant}`, {
      data_sources: t.ids,
      token_secret: "WRONG_NOTION_TOKEN",
      requests_per_second: 50,
    });
    const figures = await digestFigures(workerEnv, t.tenant, WEEK, { now });
    const result = await writeDigestPage(workerEnv.DB, pages, t.tenant, WEEK, figures, templateNarrative(figures), {
      now,
    });
    expect(result).toMatchObject({ status: "failed", error: expect.stringMatching(/unauthori|token|invalid/i) });
    expect(await digestRow(t.tenant)).toMatchObject({ page_id: null, claimed_until: null });
  });
});

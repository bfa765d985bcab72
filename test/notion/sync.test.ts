import {
  createExecutionContext,
  createScheduledController,
  env,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { isFullPage, type Client, type PageObjectResponse } from "@notionhq/client";
import { afterEach, describe, expect, it } from "vitest";
import type { NotionEmulator } from "../../emulator/notion";
import worker from "../../src/index";
import { setupNotion } from "../../src/notion/setup";
import type { SyncReport } from "../../src/notion/sync/types";
import { notion, startEmulator, text, useEmulatorNetwork } from "../emulator/helpers";
import { admin, call, connect, newTenant, rawMcp } from "../support/worker";

useEmulatorNetwork();

const connectedTenants: string[] = [];
// Disconnecting stops each tenant's background write-back, so nothing reaches Notion once the fake is gone.
afterEach(async () => {
  for (const tenant of connectedTenants.splice(0)) await admin("DELETE", `/notion?tenant=${tenant}`);
  // A write the storm test's gate is waiting out a 429 for finishes first.
}, 30_000);

/** A tenant connected to a fresh emulator whose databases hold the sample rows; the manager edits them. */
async function connectedTenant(
  options: {
    notionLimit?: number;
    gateRate?: number;
    token_secret?: string;
    queryRowCap?: number;
    now?: () => Date;
  } = {},
) {
  const emulator = startEmulator({
    ...(options.notionLimit ? { rateLimit: { perSecond: options.notionLimit } } : {}),
    ...(options.queryRowCap ? { queryRowCap: options.queryRowCap } : {}),
    ...(options.now ? { now: options.now } : {}),
    workspace: { tokens: ["secret_emulator", "secret_emulator_storm"] },
  });
  // The manager sets the databases up (people are never rate limited), so only the Worker's calls meet the limit.
  const setup = notion("person:manager");
  const databases = await setupNotion(setup, { parent_page_id: emulator.rootPageId, samples: true, log: () => {} });
  // Golden tasks are synced in test/notion/golden-tasks.test.ts; these tests connect the four synced databases.
  const ids = Object.fromEntries(
    databases.filter((d) => d.key !== "golden_tasks").map((d) => [d.key, d.data_source_id]),
  );
  const tenant = await newTenant();
  // The gate paces at the connection's rate: faster than Notion's 3/s keeps these tests quick.
  const requests_per_second = options.gateRate ?? 50;
  const connected = await admin("PUT", `/notion?tenant=${tenant.tenant}`, {
    data_sources: ids,
    requests_per_second,
    ...(options.token_secret ? { token_secret: options.token_secret } : {}),
  });
  expect(connected.status).toBe(200);
  connectedTenants.push(tenant.tenant);
  return { ...tenant, emulator, ids, manager: notion("person:manager", { maxRetries: 20 }) };
}

async function sync(tenant: string, body: Record<string, unknown> = {}): Promise<SyncReport> {
  const res = await admin<SyncReport>("POST", `/sync?tenant=${tenant}`, body);
  expect(res.status).toBe(200);
  return res.body;
}

const source = (report: SyncReport, name: string) => report.sources.find((s) => s.source === name)!;

async function rowWhere(client: Client, data_source_id: string, property: string, value: string) {
  const found = await client.dataSources.query({
    data_source_id,
    filter: { property, rich_text: { equals: value } },
  });
  const page = found.results.find(isFullPage);
  if (!page) throw new Error(`no row with ${property} = ${value}`);
  return page;
}

const plainText = (page: PageObjectResponse, property: string) => {
  const value = page.properties[property];
  return value?.type === "rich_text" ? value.rich_text.map((t) => t.plain_text).join("") : "";
};

/** The reason code of the decision behind a call's outcome. */
const reason = (result: { outcome: { decision: { reason_code: string } } }) => result.outcome.decision.reason_code;

const refund = (amount_cents: number) => ({ customer_id: "cus_001", amount_cents, reason: "damaged in transit" });

describe("syncing Notion into the Worker", () => {
  it("puts the Policies database in force: a refund over the sample limit is held after the first sync", async () => {
    const t = await connectedTenant();
    const agent = await connect(t.key);
    const report = await sync(t.tenant);
    expect(source(report, "policies")).toMatchObject({ read: 10, changed: 10, applied: 10, rejected: [] });
    expect(report.snapshot.changed).toBe(true);

    const held = await call(agent, "payments.create_refund", refund(60_000));
    expect(held.outcome).toMatchObject({ outcome: "pending_approval", escalation_id: expect.any(String) });
    expect(reason(held)).toBe("refund_over_limit");
  });

  it("applies an edited row on the next sync, and only the changed row is read as changed", async () => {
    const t = await connectedTenant();
    await sync(t.tenant);
    const row = await rowWhere(t.manager, t.ids.policies!, "Policy ID", "refund-over-limit");
    await t.manager.pages.update({
      page_id: row.id,
      properties: { Condition: { rich_text: text("args.amount_cents > 100") } },
    });

    const report = await sync(t.tenant);
    expect(source(report, "policies")).toMatchObject({ changed: 1, applied: 1 });
    const held = await call(await connect(t.key), "payments.create_refund", refund(200));
    expect(reason(held)).toBe("refund_over_limit");
  });

  it("blocks a tool once a manager adds a block row, and opens it again when the row is retired", async () => {
    const t = await connectedTenant();
    // Each change flips every recorded lookup: past the default replay threshold, which test/release covers.
    const settings = { retention_days: 7, replay_days: 7, threshold_pct: 100 };
    expect((await admin("PUT", `/release-settings?tenant=${t.tenant}`, settings)).status).toBe(200);
    await sync(t.tenant);
    const agent = await connect(t.key);
    const lookup = { customer_id: "cus_001" };
    expect((await call(agent, "payments.lookup_customer", lookup)).outcome.success).toBe(true);

    const added = await t.manager.pages.create({
      parent: { type: "data_source_id", data_source_id: t.ids.policies! },
      properties: {
        Name: { title: text("Lookups are paused during the audit") },
        "Policy ID": { rich_text: text("audit-freeze") },
        Type: { select: { name: "block" } },
        Mode: { select: { name: "block" } },
        Status: { select: { name: "Active" } },
        Tools: { rich_text: text("payments.lookup_customer") },
      },
    });
    await sync(t.tenant);
    const blocked = await call(agent, "payments.lookup_customer", lookup);
    expect(blocked.outcome.decision).toMatchObject({ decision: "denied", policy_ids: ["audit-freeze"] });

    await t.manager.pages.update({ page_id: added.id, properties: { Status: { select: { name: "Retired" } } } });
    await sync(t.tenant);
    expect((await call(agent, "payments.lookup_customer", lookup)).outcome.success).toBe(true);
  });

  it("keeps the last good version of a row that no longer validates, and says why in its Sync status", async () => {
    const t = await connectedTenant();
    await sync(t.tenant);
    const row = await rowWhere(t.manager, t.ids.policies!, "Policy ID", "refund-over-limit");
    await t.manager.pages.update({
      page_id: row.id,
      properties: { Condition: { rich_text: text("args.amount_cents >") } },
    });

    const report = await sync(t.tenant, { wait: true });
    const rejected = source(report, "policies").rejected;
    expect(rejected).toEqual([
      { page_id: row.id, name: "Refunds over $500 need a manager", reason: expect.stringMatching(/^Condition: /) },
    ]);
    expect(report.snapshot.changed).toBe(false);
    const held = await call(await connect(t.key), "payments.create_refund", refund(60_000));
    expect(reason(held)).toBe("refund_over_limit");

    const page = (await t.manager.pages.retrieve({ page_id: row.id })) as PageObjectResponse;
    expect(plainText(page, "Sync status")).toMatch(
      /^not applied: Condition: .* The previous version stays in force\.$/,
    );
    const good = await rowWhere(t.manager, t.ids.policies!, "Policy ID", "no-contact-deletion");
    expect(plainText(good, "Sync status")).toBe(`ok · in force in snapshot ${report.snapshot.hash!.slice(0, 19)}`);
  });

  it("refuses a new row with an unknown Mode or a Policy ID another row holds, and applies the rest", async () => {
    const t = await connectedTenant();
    await sync(t.tenant);
    const base = {
      Type: { select: { name: "block" } },
      Status: { select: { name: "Active" } },
      Tools: { rich_text: text("crm.update_contact") },
    };
    await t.manager.pages.create({
      parent: { type: "data_source_id", data_source_id: t.ids.policies! },
      properties: {
        ...base,
        Name: { title: text("Typo in the mode") },
        "Policy ID": { rich_text: text("typo-mode") },
        Mode: { select: { name: "blok" } },
      },
    });
    await t.manager.pages.create({
      parent: { type: "data_source_id", data_source_id: t.ids.policies! },
      properties: {
        ...base,
        Name: { title: text("Copy of the contact rule") },
        "Policy ID": { rich_text: text("no-contact-deletion") },
        Mode: { select: { name: "block" } },
      },
    });

    const report = await sync(t.tenant);
    const reasons = source(report, "policies").rejected.map((r) => r.reason);
    expect(reasons).toHaveLength(2);
    expect(reasons).toContainEqual(
      expect.stringMatching(/^Mode: "blok" is not one of block, pause, redact, alert, log/),
    );
    expect(reasons).toContainEqual(expect.stringMatching(/^Policy ID: "no-contact-deletion" is already used/));
    const update = await call(await connect(t.key), "crm.update_contact", { contact_id: "con_001", notes: "hi" });
    expect(reason(update)).not.toBe("policy_blocked");
  });

  it("syncs every connected tenant from the cron, as Cloudflare's scheduler calls it", async () => {
    const t = await connectedTenant();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    const held = await call(await connect(t.key), "payments.create_refund", refund(60_000));
    expect(reason(held)).toBe("refund_over_limit");
    const { body } = await admin("GET", `/notion?tenant=${t.tenant}`);
    expect(body.sync.sources.map((s: { source: string }) => s.source).sort()).toEqual([
      "agents",
      "policies",
      "runbooks",
      "tools",
    ]);
    // Let the write-back that follows finish while Notion is still faked.
    await sync(t.tenant, { wait: true });
  });

  it("changes nothing for another tenant: its policies, its sync and its Notion connection stay its own", async () => {
    const other = await newTenant({ rows: [] });
    const before = (await admin("GET", `/policies?tenant=${other.tenant}`)).body.snapshot;
    const t = await connectedTenant();
    await sync(t.tenant);

    expect((await admin("GET", `/policies?tenant=${other.tenant}`)).body.snapshot).toBe(before);
    expect((await admin("POST", `/sync?tenant=${other.tenant}`, {})).status).toBe(409);
    expect((await admin("GET", `/notion?tenant=${other.tenant}`)).status).toBe(404);
    // A connected tenant's policies come from Notion only.
    const put = await admin("PUT", `/policies?tenant=${t.tenant}`, { rows: [] });
    expect(put).toMatchObject({ status: 409, body: { error: { code: "policies_from_notion" } } });
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM notion_rows WHERE tenant_id = ?")
      .bind(other.tenant)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });

  it("keeps an alarm standing by while Sync status values are still to be written, and drops it when done", async () => {
    const t = await connectedTenant();
    const stub = env.NOTION_SYNC.get(env.NOTION_SYNC.idFromName(t.tenant));
    await sync(t.tenant);
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).not.toBeNull();

    // What an evicted object's alarm does: a sync that carries the write-back on to the end.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const report = await sync(t.tenant, { wait: true });
    expect(report.statuses.pending).toBe(0);
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBeNull();
  });

  it("reads more than 100 rows across pages of Notion's query", async () => {
    const t = await connectedTenant();
    for (let i = 0; i < 130; i++)
      await t.manager.pages.create({
        parent: { type: "data_source_id", data_source_id: t.ids.policies! },
        properties: {
          Name: { title: text(`Log reads ${i}`) },
          "Policy ID": { rich_text: text(`log-reads-${i}`) },
          Type: { select: { name: "compliance" } },
          Mode: { select: { name: "log" } },
          Status: { select: { name: "Active" } },
          Tools: { rich_text: text(`crm.get_contact`) },
        },
      });

    const report = await sync(t.tenant, { sources: ["policies"] });
    expect(source(report, "policies")).toMatchObject({ read: 140, applied: 140, requests: 2 });
    const { body } = await admin("GET", `/policies?tenant=${t.tenant}`);
    expect(body.rows).toHaveLength(140);
  });

  it("reads past Notion's per-query row cap by resuming at the last creation time read", async () => {
    let clock = Date.parse("2026-11-20T09:00:00Z");
    const t = await connectedTenant({ queryRowCap: 100, now: () => new Date(clock) });
    for (let i = 0; i < 150; i++) {
      // Notion's created_time has minute precision: 50 rows a minute, as a bulk import would write them.
      if (i % 50 === 0) clock += 60_000;
      await t.manager.pages.create({
        parent: { type: "data_source_id", data_source_id: t.ids.policies! },
        properties: {
          Name: { title: text(`Log lookups ${i}`) },
          "Policy ID": { rich_text: text(`log-lookups-${i}`) },
          Type: { select: { name: "compliance" } },
          Mode: { select: { name: "log" } },
          Status: { select: { name: "Active" } },
          Tools: { rich_text: text("crm.get_contact") },
        },
      });
    }

    const report = await sync(t.tenant, { sources: ["policies"], full: true });
    expect(source(report, "policies")).toMatchObject({ read: 160, applied: 160, removed: 0 });
    expect(source(report, "policies").warning).toBeUndefined();
  });

  it("never takes rows out when the cap stops a full read it cannot resume", async () => {
    const t = await connectedTenant({ queryRowCap: 5 });
    await sync(t.tenant, { sources: ["policies"] });
    const report = await sync(t.tenant, { sources: ["policies"], full: true });
    // Setup wrote all ten sample rows in the same minute: a 5-row cap cannot be split by creation time.
    expect(source(report, "policies")).toMatchObject({ removed: 0, warning: expect.stringContaining("query cap") });
    const held = await call(await connect(t.key), "payments.create_refund", refund(60_000));
    expect(reason(held)).toBe("refund_over_limit");
  });

  it("takes a deleted row out of force at the next full sync", async () => {
    const t = await connectedTenant();
    await sync(t.tenant);
    const row = await rowWhere(t.manager, t.ids.policies!, "Policy ID", "no-contact-deletion");
    await t.manager.pages.update({ page_id: row.id, in_trash: true });

    const report = await sync(t.tenant, { full: true });
    expect(source(report, "policies").removed).toBe(1);
    const deleted = await call(await connect(t.key), "crm.delete_contact", { contact_id: "con_003" });
    expect(reason(deleted)).not.toBe("contact_deletion_blocked");
  });

  it("records every applied snapshot in the ledger with its hash and row ids", async () => {
    const t = await connectedTenant();
    const report = await sync(t.tenant);
    const { body } = await admin("GET", `/ledger?tenant=${t.tenant}`);
    const entry = body.entries.find((e: { kind: string }) => e.kind === "policy_sync");
    expect(entry.body.snapshot).toBe(report.snapshot.hash);
    expect(entry.body.policies).toHaveLength(10);
    expect(entry.body.policies).toContainEqual({ page_id: expect.any(String), policy_id: "refund-over-limit" });
    expect((await admin("GET", `/ledger/verify?tenant=${t.tenant}`)).body.ok).toBe(true);
  });

  it("refuses the agent's next call once its row is set to Suspended in Notion", async () => {
    const t = await connectedTenant();
    await t.manager.pages.create({
      parent: { type: "data_source_id", data_source_id: t.ids.agents! },
      properties: {
        Name: { title: text("support-bot") },
        "Agent ID": { rich_text: text(t.agent_id) },
        Status: { select: { name: "Active" } },
      },
    });
    const first = await sync(t.tenant);
    // The sample row names the demo agent, which this tenant does not have.
    expect(source(first, "agents").rejected).toEqual([
      expect.objectContaining({
        reason: expect.stringMatching(/^Agent ID: "agt_demo" is not an agent of this workspace/),
      }),
    ]);
    expect((await call(await connect(t.key), "crm.get_contact", { contact_id: "con_001" })).outcome.success).toBe(true);

    const row = await rowWhere(t.manager, t.ids.agents!, "Agent ID", t.agent_id);
    await t.manager.pages.update({ page_id: row.id, properties: { Status: { select: { name: "Suspended" } } } });
    expect(source(await sync(t.tenant), "agents")).toMatchObject({ changed: 1, applied: 1 });

    const refused = await rawMcp(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }), {
      authorization: `Bearer ${t.key}`,
    });
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain("agent_suspended");
  });

  it("writes the tool catalog into the Tools database and reads the Risk and Cost people set", async () => {
    const t = await connectedTenant();
    await sync(t.tenant, { wait: true });
    const refunds = await t.manager.dataSources.query({
      data_source_id: t.ids.tools!,
      filter: { property: "Name", title: { equals: "payments.create_refund" } },
    });
    expect(refunds.results).toHaveLength(1);
    const page = refunds.results[0] as PageObjectResponse;
    expect(plainText(page, "Policy state")).toMatch(/^restricted \(Refunds over \$5(00|,000) /);
    expect(plainText(page, "Description")).toMatch(/^\[demo host\] /);

    await t.manager.pages.update({ page_id: page.id, properties: { Cost: { number: 25 } } });
    await sync(t.tenant, { sources: ["tools"] });
    const setting = await env.DB.prepare("SELECT risk, cost_cents FROM tool_settings WHERE tenant_id = ? AND tool = ?")
      .bind(t.tenant, "payments.create_refund")
      .first();
    expect(setting).toEqual({ risk: "High", cost_cents: 25 });
  });

  it("keeps the policies in force when Notion refuses the sync", async () => {
    const t = await connectedTenant();
    const first = await sync(t.tenant);
    await admin("PUT", `/notion?tenant=${t.tenant}`, {
      token_secret: "WRONG_NOTION_TOKEN",
      data_sources: t.ids,
      requests_per_second: 50,
    });

    const failed = await sync(t.tenant);
    expect(failed.sources.every((s) => s.error?.startsWith("Notion: unauthorized"))).toBe(true);
    expect(failed.snapshot).toEqual({ hash: first.snapshot.hash, changed: false });
    const held = await call(await connect(t.key), "payments.create_refund", refund(60_000));
    expect(reason(held)).toBe("refund_over_limit");
  });

  it("applies a manager's edit through the signed webhook the emulator sends", async () => {
    const deliveries: Promise<Response>[] = [];
    const t = await connectedTenant();
    await sync(t.tenant);
    const webhookTenant = t.tenant;
    const emulator: NotionEmulator = t.emulator;
    const row = await rowWhere(t.manager, t.ids.policies!, "Policy ID", "refund-over-limit");
    const before = emulator.webhookEvents.length;
    await t.manager.pages.update({
      page_id: row.id,
      properties: { Condition: { rich_text: text("args.amount_cents > 100") } },
    });
    await emulator.webhooksSettled();
    const { SELF } = await import("cloudflare:test");
    const { signedDelivery } = await import("../../emulator/notion/webhooks");
    for (const event of emulator.webhookEvents.slice(before)) {
      const delivery = await signedDelivery(event, emulator.webhookVerificationToken);
      deliveries.push(
        SELF.fetch(`https://policy-os.test/webhooks/notion/${webhookTenant}`, {
          method: "POST",
          headers: delivery.headers,
          body: delivery.body,
        }),
      );
    }
    expect((await Promise.all(deliveries)).map((r) => r.status)).toContain(202);

    const agent = await connect(t.key);
    let code = "";
    for (let attempt = 0; attempt < 50 && code !== "refund_over_limit"; attempt++) {
      code = reason(await call(agent, "payments.create_refund", refund(200)));
      if (code !== "refund_over_limit") await new Promise((r) => setTimeout(r, 100));
    }
    expect(code).toBe("refund_over_limit");
  });

  it("waits out a storm of 429s: no second sees more than 3 requests, and the sync still completes", async () => {
    // Its own integration token, so its own gate: what other tests' write-backs send is not counted.
    const t = await connectedTenant({ notionLimit: 1, gateRate: 3, token_secret: "STORM_NOTION_TOKEN" });
    const arrivals: number[] = [];
    const handle = t.emulator.handle.bind(t.emulator);
    t.emulator.handle = (request: Request) => {
      if (request.headers.get("authorization") === "Bearer secret_emulator_storm") arrivals.push(Date.now());
      return handle(request);
    };

    const report = await sync(t.tenant);
    expect(report.sources.every((s) => s.error === undefined)).toBe(true);
    expect(source(report, "policies").applied).toBe(10);
    expect(t.emulator.rateLimit.limited).toBeGreaterThan(0);
    const perSecond = new Map<number, number>();
    for (const at of arrivals) perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(3);
  });
});

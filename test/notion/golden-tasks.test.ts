import { isFullPage, type PageObjectResponse } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import { goldenResultText } from "../../src/notion/sync/golden-results";
import type { SyncReport } from "../../src/notion/sync/types";
import { syncedSourceOf, webhookEventSchema } from "../../src/notion/webhook";
import { text, useEmulatorNetwork } from "../emulator/helpers";
import { connectedTenant, disconnectAfterEach, propertyOf } from "../support/notion-tenant";
import { admin, call, connect } from "../support/worker";

useEmulatorNetwork();
disconnectAfterEach();

/** Each test runs several syncs, each paced by the Notion gate: more than the default 20 s on a busy machine. */
const SYNCS_TIMEOUT_MS = 60_000;

const REFUND = "payments.create_refund";
const SAMPLE_HELD = "A $600 refund waits for a manager";
const SAMPLE_RUNS = "A $50 refund runs at once";

type Tenant = Awaited<ReturnType<typeof connectedTenant>>;

async function sync(t: Tenant): Promise<SyncReport> {
  const synced = await admin("POST", `/sync?tenant=${t.tenant}`, { wait: true });
  expect(synced.status).toBe(200);
  return synced.body as SyncReport;
}

async function rowNamed(t: Tenant, data_source_id: string, property: string, value: string) {
  const filter =
    property === "Name" ? { property, title: { equals: value } } : { property, rich_text: { equals: value } };
  const found = await t.manager.dataSources.query({ data_source_id, filter });
  return found.results.find(isFullPage)!;
}

const goldenRow = (t: Tenant, name: string) => rowNamed(t, t.ids.golden_tasks!, "Name", name);
const page = async (t: Tenant, page_id: string) => (await t.manager.pages.retrieve({ page_id })) as PageObjectResponse;
const goldenTasks = async (t: Tenant) =>
  (await admin("GET", `/golden-tasks?tenant=${t.tenant}`)).body.golden_tasks as {
    name: string;
    source: string;
    status: string;
    expected: string;
    arguments: Record<string, unknown>;
  }[];

async function setGolden(t: Tenant, name: string, properties: Record<string, unknown>) {
  const row = await goldenRow(t, name);
  await t.manager.pages.update({ page_id: row.id, properties: properties as never });
  return row.id;
}

/** Raises the sample refund limit from $500 to $1,000 in the Policies database. */
async function raiseRefundLimit(t: Tenant) {
  const row = await rowNamed(t, t.ids.policies!, "Policy ID", "refund-over-limit");
  await t.manager.pages.update({
    page_id: row.id,
    properties: { Condition: { rich_text: text("args.amount_cents > 100000") } },
  });
  return row.id;
}

describe("a tenant connected to a Golden tasks database", () => {
  it(
    "starts with the sample tasks Paused: they are synced but check nothing",
    async () => {
      const t = await connectedTenant({ golden: true });
      const tasks = await goldenTasks(t);
      expect(tasks.map((task) => [task.name, task.source, task.status])).toEqual([
        [SAMPLE_RUNS, "notion", "paused"],
        [SAMPLE_HELD, "notion", "paused"],
      ]);
      expect(propertyOf(await goldenRow(t, SAMPLE_HELD), "Sync status")).toBe("ok · Paused: not checked");
    },
    SYNCS_TIMEOUT_MS,
  );

  it(
    "checks a task made Active in Notion: a Policies edit that breaks it is held, and its row's Last result says why",
    async () => {
      const t = await connectedTenant({ golden: true });
      const golden = await setGolden(t, SAMPLE_HELD, { Status: { select: { name: "Active" } } });
      const first = await sync(t);
      expect(first.sources.find((s) => s.source === "golden_tasks")).toMatchObject({ changed: 1, applied: 1 });
      expect(propertyOf(await page(t, golden), "Sync status")).toBe(
        "ok · Active: every candidate policy snapshot is checked against it",
      );

      const policy = await raiseRefundLimit(t);
      await sync(t);
      const [release] = (await admin("GET", `/releases?tenant=${t.tenant}`)).body.releases;
      expect(release).toMatchObject({ status: "held", golden: { passed: 0, failed: 1 } });
      expect(propertyOf(await page(t, policy), "Sync status")).toMatch(
        new RegExp(`^held: release ${release.id} is held because it breaks golden task "A \\$600 refund waits`),
      );
      expect(propertyOf(await page(t, golden), "Last result")).toMatch(
        new RegExp(
          `^failed — expected escalated \\(refund_over_limit\\), got authorized \\(\\w+\\) \\(release ${release.id}, `,
        ),
      );
      // The Worker's own write is not an edit: the next sync keeps the task and its result.
      const again = await sync(t);
      expect(again.sources.find((s) => s.source === "golden_tasks")).toMatchObject({ changed: 0 });
      expect(propertyOf(await page(t, golden), "Last result")).toMatch(/^failed — expected escalated/);
      // The snapshot in force keeps deciding: a $600 refund still waits for a manager.
      const held = await call(await connect(t.key), REFUND, {
        customer_id: "cus_001",
        amount_cents: 60_000,
        reason: "damaged in transit",
      });
      expect(held.outcome).toMatchObject({ outcome: "pending_approval" });
    },
    SYNCS_TIMEOUT_MS,
  );

  it(
    "writes a passing Last result on both sample tasks when a change keeps them: they pass with the sample policies",
    async () => {
      const t = await connectedTenant({ golden: true });
      const held = await setGolden(t, SAMPLE_HELD, { Status: { select: { name: "Active" } } });
      const runs = await setGolden(t, SAMPLE_RUNS, { Status: { select: { name: "Active" } } });
      const row = await rowNamed(t, t.ids.policies!, "Policy ID", "refund-over-limit");
      await t.manager.pages.update({
        page_id: row.id,
        properties: { Message: { rich_text: text("Refunds over $500 wait for a manager.") } },
      });
      await sync(t);
      const [release] = (await admin("GET", `/releases?tenant=${t.tenant}`)).body.releases;
      expect(release).toMatchObject({ status: "live", golden: { passed: 2, failed: 0 } });
      expect(propertyOf(await page(t, held), "Last result")).toMatch(
        new RegExp(`^passed — escalated \\(refund_over_limit\\) as expected \\(release ${release.id}, `),
      );
      expect(propertyOf(await page(t, runs), "Last result")).toMatch(
        new RegExp(`^passed — authorized as expected \\(release ${release.id}, `),
      );
    },
    SYNCS_TIMEOUT_MS,
  );

  it(
    "refuses a row that is not a valid task, whole: its Sync status says why and the previous version stays checked",
    async () => {
      const t = await connectedTenant({ golden: true });
      const golden = await setGolden(t, SAMPLE_HELD, {
        Status: { select: { name: "Active" } },
        Arguments: { rich_text: text('{"customer_id": "cus_001", "amount_cents": 60000,') },
        "Expected decision": { select: { name: "denied" } },
      });
      const report = await sync(t);
      expect(report.sources.find((s) => s.source === "golden_tasks")?.rejected).toEqual([
        { page_id: golden, name: SAMPLE_HELD, reason: expect.stringMatching(/^Arguments: is not JSON \(/) },
      ]);
      expect(propertyOf(await page(t, golden), "Sync status")).toMatch(
        /^not applied: Arguments: is not JSON \(.*\); write a JSON object The previous version stays in force\.$/,
      );
      const task = (await goldenTasks(t)).find((task) => task.name === SAMPLE_HELD)!;
      expect(task).toMatchObject({ status: "paused", expected: "escalated", arguments: { amount_cents: 60_000 } });

      await setGolden(t, SAMPLE_HELD, { Agent: { rich_text: [] }, Arguments: { rich_text: text("{}") } });
      await sync(t);
      expect(propertyOf(await page(t, golden), "Sync status")).toMatch(/^not applied: Agent: is empty /);
    },
    SYNCS_TIMEOUT_MS,
  );

  it(
    "keeps tasks set through the admin API: Notion neither overwrites nor removes them, and a row naming one is refused",
    async () => {
      const t = await connectedTenant({ golden: true });
      const api = {
        name: "Contact deletions are refused",
        tool: "crm.delete_contact",
        arguments: { contact_id: "con_001" },
        agent: "support-bot",
        expected: "denied",
      };
      expect((await admin("PUT", `/golden-tasks?tenant=${t.tenant}`, api)).status).toBe(200);
      const golden = await setGolden(t, SAMPLE_RUNS, { Name: { title: text(api.name) } });
      const report = await sync(t);
      expect(report.sources.find((s) => s.source === "golden_tasks")?.rejected).toEqual([
        {
          page_id: golden,
          name: api.name,
          reason: expect.stringMatching(/is a golden task set through the admin API/),
        },
      ]);
      await admin("POST", `/sync?tenant=${t.tenant}`, { wait: true, full: true });
      const tasks = await goldenTasks(t);
      expect(tasks.find((task) => task.name === api.name)).toMatchObject({ source: "api", tool: "crm.delete_contact" });
      // The refused rename leaves the row's previous task in force.
      expect(tasks.map((task) => task.name).sort()).toEqual([SAMPLE_HELD, SAMPLE_RUNS, api.name].sort());
    },
    SYNCS_TIMEOUT_MS,
  );

  it(
    "stops checking a task whose row is moved to the trash, and follows a row's rename",
    async () => {
      const t = await connectedTenant({ golden: true });
      const held = await goldenRow(t, SAMPLE_HELD);
      await t.manager.pages.update({ page_id: held.id, in_trash: true });
      await setGolden(t, SAMPLE_RUNS, { Name: { title: text("Small refunds run at once") } });
      await admin("POST", `/sync?tenant=${t.tenant}`, { wait: true, full: true });
      expect((await goldenTasks(t)).map((task) => [task.name, task.source])).toEqual([
        ["Small refunds run at once", "notion"],
      ]);
    },
    SYNCS_TIMEOUT_MS,
  );
});

describe("a connection that stops naming its Golden tasks database", () => {
  it(
    "forgets the tasks that database set, and keeps the admin API's",
    async () => {
      const t = await connectedTenant({ golden: true });
      const api = {
        name: "Small refunds run",
        tool: REFUND,
        arguments: {},
        agent: "support-bot",
        expected: "authorized",
      };
      expect((await admin("PUT", `/golden-tasks?tenant=${t.tenant}`, api)).status).toBe(200);
      const { golden_tasks: _dropped, ...others } = t.ids;
      const moved = await admin("PUT", `/notion?tenant=${t.tenant}`, {
        data_sources: others,
        requests_per_second: 100,
      });
      expect(moved.status).toBe(200);
      expect((await goldenTasks(t)).map((task) => [task.name, task.source])).toEqual([[api.name, "api"]]);
    },
    SYNCS_TIMEOUT_MS,
  );
});

describe("a Golden tasks row's Last result", () => {
  const base = {
    name: "A $600 refund waits for a manager",
    expected: "escalated" as const,
    expected_reason: "refund_over_limit",
    release_id: "rel_abc",
    snapshot: "0123456789abcdef",
    at: "2026-12-07T05:00:12.345Z",
  };

  it("says a task that could not be decided failed, and why", () => {
    expect(goldenResultText({ ...base, got: "unresolved", reason_code: "golden_agent_unknown", passed: false })).toBe(
      "failed — expected escalated (refund_over_limit), could not be decided: golden_agent_unknown (release rel_abc, 2026-12-07 05:00 UTC)",
    );
  });

  it("names the snapshot when the check recorded no release", () => {
    const result = { ...base, release_id: null, got: "escalated" as const, reason_code: "refund_over_limit" };
    expect(goldenResultText({ ...result, passed: true })).toBe(
      "passed — escalated (refund_over_limit) as expected (snapshot 0123456789ab, 2026-12-07 05:00 UTC)",
    );
  });
});

describe("a webhook about a Golden tasks row", () => {
  const data_sources = {
    policies: "11111111-1111-4111-8111-111111111111",
    agents: "22222222-2222-4222-8222-222222222222",
    tools: "33333333-3333-4333-8333-333333333333",
    runbooks: "44444444-4444-4444-8444-444444444444",
    approvals: "55555555-5555-4555-8555-555555555555",
    digests: "66666666-6666-4666-8666-666666666666",
  };
  const event = webhookEventSchema.parse({
    id: "evt_1",
    timestamp: "2026-12-07T05:00:00Z",
    type: "page.properties_updated",
    entity: { id: "page_1", type: "page" },
    data: {
      parent: {
        id: "77777777777747778777777777777777",
        type: "database",
        data_source_id: "77777777-7777-4777-8777-777777777777",
      },
    },
  });

  it("syncs the Golden tasks database when the connection names it, and nothing when it does not", () => {
    expect(syncedSourceOf(event, { ...data_sources, golden_tasks: "77777777-7777-4777-8777-777777777777" })).toBe(
      "golden_tasks",
    );
    expect(syncedSourceOf(event, data_sources)).toBeNull();
  });
});

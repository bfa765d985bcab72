import { env, SELF } from "cloudflare:test";
import { APIResponseError, Client, isFullPage } from "@notionhq/client";
import { delay, HttpResponse } from "msw";
import { afterEach, describe, expect, it } from "vitest";
import type { NotionEmulator } from "../../emulator/notion";
import { signedDelivery } from "../../emulator/notion/webhooks";
import { ensureApprovalPages } from "../../src/approvals/approval-pages";
import { pollDecisions } from "../../src/approvals/decision-poll";
import { escalationObject } from "../../src/approvals/escalation-object";
import { followPages } from "../../src/approvals/follow-page";
import { notionApprovalPages } from "../../src/notion/approvals/notion-approval-pages";
import { MAX_RETRIES } from "../../src/notion/gate.do";
import { gatedFetch } from "../../src/notion/gated-fetch";
import type { SyncReport } from "../../src/notion/sync/types";
import { notion, startEmulator, useEmulatorNetwork } from "../emulator/helpers";
import { connectedTenant, disconnectAfterEach } from "../support/notion-tenant";
import { admin, BASE, call, connect } from "../support/worker";

useEmulatorNetwork();
disconnectAfterEach();

const worker = env as unknown as Record<string, unknown>;
afterEach(() => void delete worker.NOTION_DEADLINE_MS);

/** Every Notion call of the Worker gives up after `ms` (the Worker reads NOTION_DEADLINE_MS per call). */
const notionDeadline = (ms: number) => void (worker.NOTION_DEADLINE_MS = String(ms));

/** How Notion fails a request: a status (with Retry-After on a 429), a dropped connection, or no answer for a while. */
type Fault = { status: 429; retry_after: string } | { status: 500 | 502 | 503 } | { drop: true } | { hang_ms: number };

/** What the Worker's integration sent while faults were in place, and the rule that answers it. */
function notionFaults(emulator: NotionEmulator) {
  const arrivals: { at: number; method: string; path: string; faulted: boolean }[] = [];
  const state = {
    arrivals,
    /** The fault for a request of the Worker's integration, or null to let Notion answer. */
    rule: null as null | ((request: { method: string; path: string }) => Fault | null),
    /** Requests Notion answered after a hang (so they may have been stored), as they finish. */
    late: [] as Promise<unknown>[],
  };
  const handle = emulator.handle.bind(emulator);
  emulator.handle = async (request: Request) => {
    if (request.headers.get("authorization") !== "Bearer secret_emulator") return handle(request);
    const seen = { method: request.method, path: new URL(request.url).pathname };
    const fault = state.rule?.(seen) ?? null;
    arrivals.push({ ...seen, at: Date.now(), faulted: fault !== null });
    if (!fault) return handle(request);
    if ("hang_ms" in fault) {
      // Notion takes the request and answers too late: whatever it does, it does after the caller gave up.
      const late = delay(fault.hang_ms).then(() => handle(request));
      state.late.push(late);
      return late;
    }
    if ("drop" in fault) return HttpResponse.error() as unknown as Response;
    return Response.json(
      {
        object: "error",
        status: fault.status,
        code: fault.status === 429 ? "rate_limited" : "service_unavailable",
        message: "fault",
      },
      { status: fault.status, headers: "retry_after" in fault ? { "retry-after": fault.retry_after } : {} },
    );
  };
  return state;
}

async function sync(tenant: string, body: Record<string, unknown> = {}): Promise<SyncReport> {
  const res = await admin<SyncReport>("POST", `/sync?tenant=${tenant}`, { wait: true, ...body });
  expect(res.status).toBe(200);
  return res.body;
}

async function policyRow(client: Client, data_source_id: string, policy_id: string) {
  const found = await client.dataSources.query({
    data_source_id,
    filter: { property: "Policy ID", rich_text: { equals: policy_id } },
  });
  const page = found.results.find(isFullPage);
  if (!page) throw new Error(`no policy row ${policy_id}`);
  return page;
}

/** A refund the sample policy holds (over $500) and the demo host can pay (Globex may get $1,200 back). */
const refund = (amount_cents: number) => ({ customer_id: "cus_002", amount_cents, reason: "damaged in transit" });

type Tenant = Awaited<ReturnType<typeof connectedTenant>>;

/** The reason code of the decision behind a call's outcome. */
const reasonOf = (result: { outcome: { decision: { reason_code: string } } }) => result.outcome.decision.reason_code;

/** The manager retires the sample policy that holds big refunds: once synced, a $600 refund runs. */
async function retireRefundLimit(t: Tenant) {
  const row = await policyRow(t.manager, t.ids.policies!, "refund-over-limit");
  await t.manager.pages.update({ page_id: row.id, properties: { Status: { select: { name: "Retired" } } } });
}

const SYNC_FAULTS: [string, Fault][] = [
  ["a 503 on every read", { status: 503 }],
  ["a 500 on every read", { status: 500 }],
  ["a dropped connection on every read", { drop: true }],
  ["a read Notion never answers in time", { hang_ms: 800 }],
];

describe("a policy sync while Notion fails", () => {
  it.for(SYNC_FAULTS)(
    "after %s, keeps the last good snapshot in force, says why in each database's sync status, and the next sync applies the edit",
    async ([, fault]) => {
      const t = await connectedTenant();
      const inForce = (await admin("GET", `/policies?tenant=${t.tenant}`)).body.snapshot as string;
      const faults = notionFaults(t.emulator);
      await retireRefundLimit(t);
      notionDeadline(400);
      faults.rule = () => fault;

      const failed = await sync(t.tenant);
      expect(failed.sources.map((s) => s.source)).toEqual(["policies", "agents", "tools", "runbooks"]);
      for (const source of failed.sources) expect(source).toMatchObject({ applied: 0, error: expect.any(String) });
      expect(failed.snapshot).toEqual({ hash: inForce, changed: false });
      expect((await admin("GET", `/policies?tenant=${t.tenant}`)).body.snapshot).toBe(inForce);
      const status = (await admin("GET", `/notion?tenant=${t.tenant}`)).body.sync.sources as {
        source: string;
        last_error: string | null;
      }[];
      expect(status.map((s) => s.last_error)).toEqual(status.map(() => expect.stringMatching(/^NotionGateError: /)));
      const agent = await connect(t.key);
      expect(reasonOf(await call(agent, "payments.create_refund", refund(75_000)))).toBe("refund_over_limit");

      // Notion is back: its answers come in time again.
      faults.rule = null;
      await Promise.allSettled(faults.late);
      delete worker.NOTION_DEADLINE_MS;
      // An incremental sync: the edit made before the outage was not skipped by the failed run.
      const recovered = await sync(t.tenant);
      expect(recovered.sources.every((s) => s.error === undefined)).toBe(true);
      expect(recovered.sources.find((s) => s.source === "policies")).toMatchObject({ changed: 1, applied: 1 });
      expect(recovered.snapshot.changed).toBe(true);
      const after = (await admin("GET", `/notion?tenant=${t.tenant}`)).body.sync.sources as { last_error: unknown }[];
      expect(after.map((s) => s.last_error)).toEqual(after.map(() => null));
      expect((await call(agent, "payments.create_refund", refund(75_000))).outcome.outcome).toBe("succeeded");
    },
  );

  it("keeps the last good policies when only the Policies database fails, and still syncs the others", async () => {
    const t = await connectedTenant();
    const faults = notionFaults(t.emulator);
    await retireRefundLimit(t);
    // Long enough for the other databases to wait out the back-off the policies' 503 puts on the integration.
    notionDeadline(1_500);
    faults.rule = ({ path }) => (path === `/v1/data_sources/${t.ids.policies}/query` ? { status: 503 } : null);

    const report = await sync(t.tenant, { full: true });
    expect(report.sources.find((s) => s.source === "policies")?.error).toMatch(/^NotionGateError: /);
    expect(report.sources.filter((s) => s.error !== undefined).map((s) => s.source)).toEqual(["policies"]);
    expect(report.snapshot.changed).toBe(false);
    expect(reasonOf(await call(await connect(t.key), "payments.create_refund", refund(75_000)))).toBe(
      "refund_over_limit",
    );
  });

  it("waits out a 429's Retry-After on every first read and loses no row: the sync applies the edit", async () => {
    const t = await connectedTenant();
    const faults = notionFaults(t.emulator);
    await retireRefundLimit(t);
    const refused = new Set<string>();
    faults.rule = ({ method, path }) => {
      if (method !== "POST" || !path.endsWith("/query") || refused.has(path)) return null;
      refused.add(path);
      return { status: 429, retry_after: "0.3" };
    };

    const report = await sync(t.tenant);
    expect(report.sources.every((s) => s.error === undefined)).toBe(true);
    expect(report.sources.find((s) => s.source === "policies")).toMatchObject({ changed: 1, applied: 1 });
    const queries = faults.arrivals.filter((a) => a.path === `/v1/data_sources/${t.ids.policies}/query`);
    expect(queries.map((q) => q.faulted)).toEqual([true, false]);
    expect(queries[1]!.at - queries[0]!.at).toBeGreaterThanOrEqual(300);
    expect((await call(await connect(t.key), "payments.create_refund", refund(75_000))).outcome.outcome).toBe(
      "succeeded",
    );
  });

  it("puts a retired row out of force though Notion refuses its Sync status write, and writes the status later", async () => {
    const t = await connectedTenant();
    const faults = notionFaults(t.emulator);
    await retireRefundLimit(t);
    faults.rule = ({ method }) => (method === "PATCH" ? { status: 503 } : null);

    const report = await sync(t.tenant);
    expect(report.sources.find((s) => s.source === "policies")).toMatchObject({ applied: 1 });
    expect(report.snapshot.changed).toBe(true);
    expect(report.statuses.written).toBe(0);
    expect((await call(await connect(t.key), "payments.create_refund", refund(75_000))).outcome.outcome).toBe(
      "succeeded",
    );

    faults.rule = null;
    expect((await sync(t.tenant)).statuses.written).toBeGreaterThanOrEqual(1);
    const row = await policyRow(t.manager, t.ids.policies!, "refund-over-limit");
    const status = row.properties["Sync status"];
    expect(status?.type === "rich_text" ? status.rich_text.map((part) => part.plain_text).join("") : "").toBe(
      "ok · Retired: not enforced",
    );
  });
});

/** The Worker's Approvals pages in Notion, as the cron reaches them. */
const pages = notionApprovalPages(env);

const escalationRow = (id: string) =>
  env.DB.prepare("SELECT * FROM escalations WHERE id = ?").bind(id).first<Record<string, string | null>>();

/** Waits until `read` gives a value `check` accepts (the pipeline writes the page after answering the agent). */
async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const value = await read();
    if (check(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The escalation once the held call's own attempt at its page is over: a page, or an attempt given up. */
const pageSettled = (id: string) =>
  until(
    () => escalationRow(id),
    (row) => Boolean(row?.notion_page_id || (row?.notion_page_attempted_at && !row.notion_page_claimed_until)),
    `the page of ${id}`,
  );

/** Makes a call the sample policy holds and returns its escalation id. */
async function heldCall(agent: Awaited<ReturnType<typeof connect>>): Promise<string> {
  const held = await call(agent, "payments.create_refund", refund(75_000));
  expect(held.outcome).toMatchObject({ outcome: "pending_approval", escalation_id: expect.any(String) });
  return held.outcome.escalation_id!;
}

/** The Approvals pages of the tenant's escalation, as the manager sees them in Notion. */
async function approvalPagesOf(t: Tenant, escalation_id: string) {
  const rows = await t.manager.dataSources.query({
    data_source_id: t.ids.approvals!,
    filter: { property: "Escalation ID", rich_text: { equals: escalation_id } },
  });
  return rows.results.filter(isFullPage);
}

/** The refunds the demo payments host has made for cus_002. */
async function refundsMade(agent: Awaited<ReturnType<typeof connect>>) {
  const listed = await call(agent, "payments.list_refunds", { customer_id: "cus_002" });
  return (listed.outcome.data as { refunds: unknown[] }).refunds;
}

/** A page create by the Worker: after the tenant's first sync, only a held call's Approvals page is created. */
const isPageCreate = (request: { method: string; path: string }) =>
  request.method === "POST" && request.path === "/v1/pages";

describe("an Approvals page write while Notion fails", () => {
  it.for<[string, Fault]>([
    ["a 503", { status: 503 }],
    ["a 502", { status: 502 }],
    ["a dropped connection", { drop: true }],
  ])(
    "after %s on the create, the call stays held, its retry joins the same escalation and never runs, and one page is created when Notion recovers",
    async ([, fault]) => {
      const t = await connectedTenant();
      const faults = notionFaults(t.emulator);
      faults.rule = (request) => (isPageCreate(request) ? fault : null);
      const agent = await connect(t.key);
      const id = await heldCall(agent);
      expect(await pageSettled(id)).toMatchObject({ notion_page_id: null, status: "pending" });
      expect(await heldCall(agent)).toBe(id);
      expect(await approvalPagesOf(t, id)).toHaveLength(0);
      expect(await refundsMade(agent)).toHaveLength(0);

      faults.rule = null;
      expect(await ensureApprovalPages(env.DB, pages, t.tenant)).toMatchObject({ created: 1, found: 0, failed: 0 });
      expect(await ensureApprovalPages(env.DB, pages, t.tenant)).toMatchObject({ created: 0, found: 0, failed: 0 });
      const written = await approvalPagesOf(t, id);
      expect(written).toHaveLength(1);
      expect((await escalationRow(id))?.notion_page_id).toBe(written[0]!.id);
      expect(faults.arrivals.filter(isPageCreate)).toHaveLength(2);
    },
  );

  it("finds the page a create Notion answered too late had stored, and never creates a second", async () => {
    const t = await connectedTenant();
    const faults = notionFaults(t.emulator);
    notionDeadline(400);
    faults.rule = (request) => (isPageCreate(request) ? { hang_ms: 800 } : null);
    const agent = await connect(t.key);
    const id = await heldCall(agent);
    expect(await pageSettled(id)).toMatchObject({ notion_page_id: null, status: "pending" });
    await Promise.all(faults.late);
    expect(await approvalPagesOf(t, id)).toHaveLength(1);

    faults.rule = null;
    delete worker.NOTION_DEADLINE_MS;
    expect(await ensureApprovalPages(env.DB, pages, t.tenant)).toMatchObject({ created: 0, found: 1, failed: 0 });
    const written = await approvalPagesOf(t, id);
    expect(written).toHaveLength(1);
    expect((await escalationRow(id))?.notion_page_id).toBe(written[0]!.id);
    expect(faults.arrivals.filter(isPageCreate)).toHaveLength(1);
    expect(await refundsMade(agent)).toHaveLength(0);
  });

  it("sends a create Notion refused with 429 again only after its Retry-After, and the page is created once", async () => {
    const t = await connectedTenant();
    const faults = notionFaults(t.emulator);
    let refused = false;
    faults.rule = (request) => {
      if (!isPageCreate(request) || refused) return null;
      refused = true;
      return { status: 429, retry_after: "0.4" };
    };
    const id = await heldCall(await connect(t.key));
    expect((await pageSettled(id))?.notion_page_id).toEqual(expect.any(String));
    const creates = faults.arrivals.filter(isPageCreate);
    expect(creates.map((c) => c.faulted)).toEqual([true, false]);
    expect(creates[1]!.at - creates[0]!.at).toBeGreaterThanOrEqual(400);
    expect(await approvalPagesOf(t, id)).toHaveLength(1);
  });

  it("stops the cron's pass at the first page while Notion is down and writes every page once it is back", async () => {
    const t = await connectedTenant();
    const faults = notionFaults(t.emulator);
    faults.rule = (request) => (isPageCreate(request) ? { status: 503 } : null);
    const agent = await connect(t.key);
    const first = await heldCall(agent);
    await pageSettled(first);
    const second = (await call(agent, "payments.create_refund", refund(80_000))).outcome.escalation_id!;
    await pageSettled(second);

    const down = await ensureApprovalPages(env.DB, pages, t.tenant);
    expect(down).toMatchObject({ created: 0, failed: 1, error: expect.stringContaining("APIResponseError") });
    faults.rule = null;
    expect(await ensureApprovalPages(env.DB, pages, t.tenant)).toMatchObject({ created: 2, failed: 0 });
    expect(await approvalPagesOf(t, first)).toHaveLength(1);
    expect(await approvalPagesOf(t, second)).toHaveLength(1);
  });
});

/** A person sets the page's Decision in Notion (as the emulator's manager, an allowed approver). */
async function approveInNotion(t: Tenant, page_id: string) {
  await notion("person:manager").pages.update({ page_id, properties: { Decision: { select: { name: "Approved" } } } });
  await t.emulator.webhooksSettled();
}

/** The tenant's `escalation` ledger entries saying a decision was taken. */
async function decidedEntries(tenant: string, escalation_id: string) {
  const entries = (await admin("GET", `/ledger?tenant=${tenant}`)).body.entries as {
    kind: string;
    body: { escalation_id?: string; event?: string };
  }[];
  return entries.filter(
    (e) => e.kind === "escalation" && e.body.escalation_id === escalation_id && e.body.event === "decided",
  );
}

/** A held call with its page, approved by the manager in Notion; the poll has not seen it yet. */
async function approvedInNotion() {
  const t = await connectedTenant();
  const agent = await connect(t.key);
  const id = await heldCall(agent);
  const page_id = (await pageSettled(id))!.notion_page_id!;
  expect(page_id).toEqual(expect.any(String));
  await approveInNotion(t, page_id);
  return { t, agent, id, page_id, faults: notionFaults(t.emulator) };
}

/** After recovery: the poll takes the approval, the retry runs once, and a further retry is refused. */
async function runsOnceAfterRecovery(
  held: Awaited<ReturnType<typeof approvedInNotion>>,
  poll: Parameters<typeof pollDecisions>[3] = {},
) {
  const { t, agent, id } = held;
  held.faults.rule = null;
  await Promise.allSettled(held.faults.late);
  delete worker.NOTION_DEADLINE_MS;
  expect(await pollDecisions(env, pages, t.tenant, poll)).toMatchObject({ seen: 1, taken: 1 });
  expect(await decidedEntries(t.tenant, id)).toHaveLength(1);
  expect((await call(agent, "payments.create_refund", refund(75_000))).outcome).toMatchObject({
    outcome: "succeeded",
    escalation_id: id,
  });
  expect((await call(agent, "payments.create_refund", refund(75_000))).outcome.denial?.code).toBe(
    "approval_already_used",
  );
  expect(await refundsMade(agent)).toHaveLength(1);
}

/** Nothing was decided: the escalation is pending, the retry is still held, nothing ran and the ledger says nothing. */
async function nothingDecided(held: Awaited<ReturnType<typeof approvedInNotion>>) {
  const { t, agent, id } = held;
  expect(await escalationRow(id)).toMatchObject({ status: "pending", decided_by: null });
  expect(await decidedEntries(t.tenant, id)).toEqual([]);
  expect((await call(agent, "payments.create_refund", refund(75_000))).outcome).toMatchObject({
    outcome: "pending_approval",
    escalation_id: id,
  });
  expect(await refundsMade(agent)).toHaveLength(0);
}

describe("the approval poll while Notion fails", () => {
  it.for<[string, Fault]>([
    ["answers 503", { status: 503 }],
    ["drops the connection", { drop: true }],
    ["does not answer in time", { hang_ms: 800 }],
  ])(
    "invents no decision when the Approvals query %s, and an approval seen after recovery runs the call exactly once",
    async ([, fault]) => {
      const held = await approvedInNotion();
      notionDeadline(400);
      held.faults.rule = ({ path }) => (path.endsWith("/query") ? fault : null);
      await expect(pollDecisions(env, pages, held.t.tenant)).rejects.toThrow();
      await nothingDecided(held);
      await runsOnceAfterRecovery(held);
    },
  );

  it("invents no decision when the page read behind a decision fails, and takes it once Notion answers", async () => {
    const held = await approvedInNotion();
    notionDeadline(400);
    held.faults.rule = ({ method, path }) =>
      method === "GET" && path.startsWith("/v1/pages/") ? { status: 503 } : null;
    await expect(pollDecisions(env, pages, held.t.tenant)).rejects.toThrow();
    await nothingDecided(held);
    await runsOnceAfterRecovery(held);
  });

  it("decides nothing from a webhook delivered while Notion fails, though the webhook is answered 202", async () => {
    const held = await approvedInNotion();
    const { t, id } = held;
    const events = t.emulator.webhookEvents.filter(
      (event) =>
        event.type === "page.properties_updated" &&
        event.entity.id === held.page_id &&
        event.authors.some((author) => author.type === "person"),
    );
    expect(events.length).toBeGreaterThan(0);
    notionDeadline(400);
    held.faults.rule = () => ({ status: 503 });
    for (const event of events) {
      const delivery = await signedDelivery(event, "secret_emulator_webhook");
      const response = await SELF.fetch(`${BASE}/webhooks/notion/${t.tenant}`, {
        method: "POST",
        headers: delivery.headers,
        body: delivery.body,
      });
      expect(response.status).toBe(202);
    }
    // The intake runs after the 202, in the escalation's object: once it has asked Notion for the page, a call
    // queued behind it on the same object returns only when the intake is over.
    await until(
      async () => held.faults.arrivals.filter((a) => a.method === "GET" && a.path.startsWith("/v1/pages/")),
      (reads) => reads.length >= 1,
      "the intake's page read",
    );
    await escalationObject(env, id)
      .followPage({ tenant_id: t.tenant, escalation_id: id })
      .catch(() => undefined);
    await nothingDecided(held);
    // A webhook reached the tenant, so the poll leaves the decision to webhooks for two minutes, then takes it.
    await runsOnceAfterRecovery(held, { now: () => new Date(Date.now() + 3 * 60_000) });
  });

  it("records a decision once when writing it back to the page fails, and the page catches up on a later pass", async () => {
    const held = await approvedInNotion();
    const { t, agent, id, page_id } = held;
    held.faults.rule = ({ method }) => (method === "PATCH" ? { status: 503 } : null);
    await expect(pollDecisions(env, pages, t.tenant)).rejects.toThrow();
    expect(await escalationRow(id)).toMatchObject({ status: "approved", decided_by: "manager@example.com" });
    expect(await decidedEntries(t.tenant, id)).toHaveLength(1);

    held.faults.rule = null;
    expect(await pollDecisions(env, pages, t.tenant)).toMatchObject({ taken: 0 });
    expect(await decidedEntries(t.tenant, id)).toHaveLength(1);
    expect((await call(agent, "payments.create_refund", refund(75_000))).outcome.outcome).toBe("succeeded");
    expect(await refundsMade(agent)).toHaveLength(1);
    await followPages(env, t.tenant);
    const page = await t.manager.pages.retrieve({ page_id });
    expect(
      isFullPage(page) && page.properties.Decision?.type === "select" ? page.properties.Decision.select?.name : null,
    ).toBe("Executed");
  });
});

let gates = 0;
/** A Notion client whose every request passes through a fresh gate, as the Worker's clients do. */
function gatedClient() {
  const gate = env.NOTION_GATE.get(env.NOTION_GATE.idFromName(`faults-gate-${Date.now()}-${gates++}`));
  return new Client({
    auth: "secret_emulator",
    fetch: gatedFetch(gate, { per_second: 100 }),
    retry: false,
    logger: () => undefined,
  });
}

describe("the Notion gate under 429s", () => {
  it("holds back every request of the integration for a 429's Retry-After, not only the refused one, and answers each", async () => {
    const emulator = startEmulator();
    const faults = notionFaults(emulator);
    let refused = false;
    faults.rule = () => (refused ? null : ((refused = true), { status: 429, retry_after: "0.5" }));
    const client = gatedClient();

    const first = client.pages.retrieve({ page_id: emulator.rootPageId });
    await until(
      async () => faults.arrivals.length,
      (n) => n === 1,
      "the refused request",
    );
    const second = client.pages.retrieve({ page_id: emulator.rootPageId });
    expect((await Promise.all([first, second])).map((page) => page.id)).toEqual([
      emulator.rootPageId,
      emulator.rootPageId,
    ]);
    const [refusal, ...later] = faults.arrivals;
    expect(refusal!.faulted).toBe(true);
    expect(later).toHaveLength(2);
    for (const sent of later) expect(sent.at - refusal!.at).toBeGreaterThanOrEqual(500);
  });

  it("gives a write refused more often than it retries back to the caller as rate_limited, sent only while Notion refused it", async () => {
    const emulator = startEmulator();
    const faults = notionFaults(emulator);
    faults.rule = (request) => (isPageCreate(request) ? { status: 429, retry_after: "0.05" } : null);
    const error = await gatedClient()
      .pages.create({
        parent: { page_id: emulator.rootPageId },
        properties: { title: { title: [{ text: { content: "Refused" } }] } },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIResponseError);
    expect((error as APIResponseError).code).toBe("rate_limited");
    expect(faults.arrivals.filter(isPageCreate)).toHaveLength(MAX_RETRIES + 1);
    expect(faults.arrivals.every((a) => a.faulted)).toBe(true);
  });
});

/** The decider's own user lookup: GET /v1/users/<id>, not the list of people. */
const userLookup = (method: string, path: string) => method === "GET" && /^\/v1\/users\/[^/]+$/.test(path);

describe("the decision intake while Notion cannot say who decided", () => {
  it.for<[string, (request: { method: string; path: string }) => Fault | null]>([
    [
      "the decider's user lookup does not answer in time",
      ({ method, path }) => (userLookup(method, path) ? { hang_ms: 900 } : null),
    ],
    [
      "the people list fails while the decider's lookup does not answer in time",
      ({ method, path }) =>
        userLookup(method, path) ? { hang_ms: 900 } : method === "GET" && path === "/v1/users" ? { status: 503 } : null,
    ],
  ])("answers the failure as a value, not a rejection, and invents no decision when %s", async ([, rule]) => {
    const held = await approvedInNotion();
    const { t, id, page_id } = held;
    notionDeadline(400);
    held.faults.rule = rule;
    // A rejection out of the object's RPC method would reach the runtime as an uncaught error besides its caller.
    const taken = await escalationObject(env, id).takeDecision({
      tenant_id: t.tenant,
      escalation_id: id,
      page_id,
      signal: { source: "poll" },
    });
    // The lookup's deadline passed, at Notion or (on a busy machine) still in the gate's queue: either way it failed.
    expect(taken).toEqual({ result: "failed", error: expect.stringMatching(/NotionGateError: .*within the deadline/) });
    // The poll fails too: at this intake, or (on a busy machine) at its own query still queued behind the lookup.
    await expect(pollDecisions(env, pages, t.tenant)).rejects.toThrow(
      new RegExp(`decision intake of escalation ${id} failed|within the deadline`),
    );
    await nothingDecided(held);
    await runsOnceAfterRecovery(held);
  });
});

import { env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { isFullPage, type PageObjectResponse } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import { signedDelivery, type WebhookEvent } from "../../emulator/notion/webhooks";
import { pollDecisions } from "../../src/approvals/decision-poll";
import { takeWebhookDecision } from "../../src/approvals/decisions";
import { followPages } from "../../src/approvals/follow-page";
import { notionApprovalPages } from "../../src/notion/approvals/notion-approval-pages";
import { webhookEventSchema } from "../../src/notion/webhook";
import { notion, text, useEmulatorNetwork } from "../emulator/helpers";
import { connectedTenant as connectedNotionTenant, disconnectAfterEach, MANAGER_ID } from "../support/notion-tenant";
import { BASE, call, connect } from "../support/worker";
import { escalationRow, ledgerEntries } from "./helpers";

useEmulatorNetwork();

disconnectAfterEach();

/** The Worker's Approvals pages in Notion, as the cron reaches them. */
const pages = notionApprovalPages(env);

const OPS_ID = "a0000000-0000-4000-8000-000000000002";

type Tenant = Awaited<ReturnType<typeof connectedTenant>>;

/** A connected tenant (test/support/notion-tenant.ts) with its agent's MCP client. */
async function connectedTenant(options: Parameters<typeof connectedNotionTenant>[0] = {}) {
  const tenant = await connectedNotionTenant(options);
  return { ...tenant, agent: await connect(tenant.key) };
}

const refund = { customer_id: "cus_002", amount_cents: 75_000, reason: "damaged in transit" };

/** Waits until `check` holds (the intake runs after the webhook's 202). */
async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const value = await read();
    if (check(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Makes a call the policy holds; returns its escalation id and its page, once the page exists. */
async function heldCall(t: Tenant) {
  const held = await call(t.agent, "payments.create_refund", refund);
  expect(held.outcome).toMatchObject({ outcome: "pending_approval", escalation_id: expect.any(String) });
  const escalation_id = held.outcome.escalation_id!;
  const row = await until(
    () => escalationRow(escalation_id),
    (r) => Boolean(r?.notion_page_id),
    "the approval page",
  );
  return { escalation_id, page_id: row!.notion_page_id as string };
}

/** A person sets the page's Decision in Notion; returns the webhook events that edit made. */
async function setDecision(t: Tenant, person: string, page_id: string, decision: string): Promise<WebhookEvent[]> {
  const before = t.emulator.webhookEvents.length;
  await notion(`person:${person}`).pages.update({ page_id, properties: { Decision: { select: { name: decision } } } });
  await t.emulator.webhooksSettled();
  return t.emulator.webhookEvents.slice(before);
}

/** Delivers events to a tenant's webhook URL as Notion would (signed with `token`); returns the statuses. */
async function deliver(events: WebhookEvent[], tenant: string, token = "secret_emulator_webhook") {
  const statuses: number[] = [];
  for (const event of events) {
    const delivery = await signedDelivery(event, token);
    const response = await SELF.fetch(`${BASE}/webhooks/notion/${tenant}`, {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body,
    });
    statuses.push(response.status);
  }
  return statuses;
}

/** An event as the Worker's receiver reads it. */
const parsed = (event: WebhookEvent) => webhookEventSchema.parse(event);

/** Waits until the escalation has `status` and its page was written to show it. */
const settledAs = (escalation_id: string, status: string) =>
  until(
    () => escalationRow(escalation_id),
    (r) => r?.status === status && r.page_decision === status,
    `the page of a ${status} escalation`,
  );

async function page(t: Tenant, page_id: string): Promise<PageObjectResponse> {
  const found = await t.manager.pages.retrieve({ page_id });
  if (!isFullPage(found)) throw new Error("not a full page");
  return found;
}

function decisionOf(found: PageObjectResponse): string | null {
  const value = found.properties.Decision;
  return value?.type === "select" ? (value.select?.name ?? null) : null;
}

async function comments(t: Tenant, page_id: string): Promise<string[]> {
  const listed = await t.manager.comments.list({ block_id: page_id });
  return listed.results.map((comment) => comment.rich_text.map((part) => part.plain_text).join(""));
}

const decided = async (tenant: string, escalation_id: string) =>
  (await ledgerEntries(tenant)).filter(
    (e) => e.kind === "escalation" && e.body.escalation_id === escalation_id && e.body.event === "decided",
  );

describe("decisions taken in Notion", () => {
  it("approves when an ops approver sets Approved; the retry runs once, and the page says who decided, then Executed", async () => {
    const t = await connectedTenant({ approvers: ["ops", "manager"] });
    const { escalation_id, page_id } = await heldCall(t);

    expect(await deliver(await setDecision(t, "ops", page_id, "Approved"), t.tenant)).toEqual([202]);
    const row = await settledAs(escalation_id, "approved");
    expect(row).toMatchObject({ decided_by: "ops@example.com", decided_by_user_id: OPS_ID });
    expect(await decided(t.tenant, escalation_id)).toEqual([
      expect.objectContaining({
        body: expect.objectContaining({ decision: "approved", decided_by: "ops@example.com", source: "webhook" }),
      }),
    ]);
    const approved = await page(t, page_id);
    expect(approved.properties["Decided at"]).toMatchObject({ date: { start: row!.decided_at } });
    expect(decisionOf(approved)).toBe("Approved");
    expect(approved.properties["Decided by"]).toMatchObject({ people: [{ id: OPS_ID }] });

    const retry = await call(t.agent, "payments.create_refund", refund);
    expect(retry.outcome).toMatchObject({ outcome: "succeeded", escalation_id });
    const again = await call(t.agent, "payments.create_refund", refund);
    expect(again.outcome).toMatchObject({ outcome: "denied", denial: { code: "approval_already_used" } });

    // The page says Executed right after the run, without waiting for the cron.
    await settledAs(escalation_id, "executed");
    expect(decisionOf(await page(t, page_id))).toBe("Executed");
  });

  it("denies when an approver sets Denied; the retry answers approval_denied", async () => {
    const t = await connectedTenant();
    const { escalation_id, page_id } = await heldCall(t);

    expect(await deliver(await setDecision(t, "manager", page_id, "Denied"), t.tenant)).toEqual([202]);
    await settledAs(escalation_id, "denied");
    const retry = await call(t.agent, "payments.create_refund", refund);
    expect(retry.outcome).toMatchObject({
      outcome: "denied",
      escalation_id,
      denial: { code: "approval_denied", retryable: false },
    });
  });

  it("puts the requester's own approval back to Pending with a comment saying why; the escalation stays pending", async () => {
    const t = await connectedTenant({ approvers: ["ops", "manager", "requester"] });
    const { escalation_id, page_id } = await heldCall(t);

    expect(await deliver(await setDecision(t, "requester", page_id, "Approved"), t.tenant)).toEqual([202]);
    const said = await until(
      () => comments(t, page_id),
      (c) => c.length > 0,
      "the comment",
    );
    expect(said).toEqual([
      "Rita Requester asked for this call and cannot approve it; an approver (ops, manager, requester) must decide.",
    ]);
    expect(decisionOf(await page(t, page_id))).toBe("Pending");
    expect(await escalationRow(escalation_id)).toMatchObject({ status: "pending", decided_by: null });
    expect(await decided(t.tenant, escalation_id)).toEqual([]);
  });

  it("refuses a decision by a person who is not among the escalation's approvers", async () => {
    const t = await connectedTenant();
    const { escalation_id, page_id } = await heldCall(t);

    expect(await deliver(await setDecision(t, "ops", page_id, "Approved"), t.tenant)).toEqual([202]);
    const said = await until(
      () => comments(t, page_id),
      (c) => c.length > 0,
      "the comment",
    );
    expect(said).toEqual([
      "Omar Ops is not an approver of this request and cannot approve it; an approver (manager) must decide.",
    ]);
    expect(decisionOf(await page(t, page_id))).toBe("Pending");
    expect((await escalationRow(escalation_id))!.status).toBe("pending");
  });

  it("takes a decision the poll finds when the page's last editor, a person, changed nothing but Decision", async () => {
    const t = await connectedTenant();
    const { escalation_id, page_id } = await heldCall(t);
    await setDecision(t, "manager", page_id, "Approved");

    // No webhook has reached this tenant, so the poll does not wait for one.
    expect(await pollDecisions(env, pages, t.tenant)).toMatchObject({ seen: 1, taken: 1, unattributed: 0 });
    expect(await settledAs(escalation_id, "approved")).toMatchObject({ decided_by: "manager@example.com" });
    expect(await decided(t.tenant, escalation_id)).toMatchObject([{ body: { decision: "approved", source: "poll" } }]);
    expect((await call(t.agent, "payments.create_refund", refund)).outcome).toMatchObject({ outcome: "succeeded" });
  });

  it("puts a decision the poll cannot attribute back to Pending with a comment, and takes it when an approver sets it again", async () => {
    const t = await connectedTenant();
    const { escalation_id, page_id } = await heldCall(t);
    // Someone else edits the page too: its last editor is no longer known to be who set Decision.
    await notion("person:requester").pages.update({
      page_id,
      properties: { "Reason code": { rich_text: [{ type: "text", text: { content: "edited" } }] } },
    });
    await setDecision(t, "manager", page_id, "Approved");

    expect(await pollDecisions(env, pages, t.tenant)).toMatchObject({ seen: 1, taken: 0, unattributed: 1 });
    expect(await escalationRow(escalation_id)).toMatchObject({
      status: "pending",
      unattributed_decision: "approved",
      unattributed_at: expect.any(String),
    });
    expect(decisionOf(await page(t, page_id))).toBe("Pending");
    expect(await comments(t, page_id)).toEqual([
      "Decision was set to Approved, but Policy OS cannot tell who set it (the page was edited by someone else too, or not by a person), so it does not count and is back to Pending; an approver (manager) should set it again.",
    ]);
    expect(await pollDecisions(env, pages, t.tenant)).toMatchObject({ seen: 0 });

    await setDecision(t, "manager", page_id, "Approved");
    expect(await pollDecisions(env, pages, t.tenant)).toMatchObject({ seen: 1, taken: 1 });
    await settledAs(escalation_id, "approved");
  });

  it("leaves a young decision to the webhook while webhooks reach the tenant", async () => {
    const t = await connectedTenant();
    const { escalation_id, page_id } = await heldCall(t);
    await env.DB.prepare("INSERT INTO notion_webhook_events (tenant_id, event_id, received_at) VALUES (?, ?, ?)")
      .bind(t.tenant, crypto.randomUUID(), new Date().toISOString())
      .run();
    const events = await setDecision(t, "manager", page_id, "Approved");

    expect(await pollDecisions(env, pages, t.tenant)).toMatchObject({ seen: 0 });
    expect((await escalationRow(escalation_id))!.status).toBe("pending");
    expect(await deliver(events, t.tenant)).toEqual([202]);
    await settledAs(escalation_id, "approved");
  });

  it("changes nothing for a forged or replayed event, and decides only once for the same edit sent again", async () => {
    const t = await connectedTenant();
    const { escalation_id, page_id } = await heldCall(t);
    const events = await setDecision(t, "manager", page_id, "Approved");

    expect(await deliver(events, t.tenant, "not_the_secret")).toEqual([401]);
    expect((await escalationRow(escalation_id))!.status).toBe("pending");

    expect(await deliver(events, t.tenant)).toEqual([202]);
    await settledAs(escalation_id, "approved");
    expect(await deliver(events, t.tenant)).toEqual([401]);
    // The same edit under a new event id (Notion may merge or resend): the escalation is no longer pending.
    expect(
      await takeWebhookDecision(env, t.tenant, page_id, parsed({ ...events[0]!, id: crypto.randomUUID() })),
    ).toEqual({
      result: "not_pending",
      status: "approved",
    });
    expect(await decided(t.tenant, escalation_id)).toHaveLength(1);
  });

  it("ignores a decision on an expired escalation and writes Expired back to its page", async () => {
    const t = await connectedTenant();
    const { escalation_id, page_id } = await heldCall(t);
    await env.DB.prepare("UPDATE escalations SET expires_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), escalation_id)
      .run();

    const events = await setDecision(t, "manager", page_id, "Approved");
    expect(await takeWebhookDecision(env, t.tenant, page_id, parsed(events[0]!))).toEqual({
      result: "not_pending",
      status: "expired",
    });
    expect(decisionOf(await page(t, page_id))).toBe("Expired");
    expect((await escalationRow(escalation_id))!.status).toBe("pending");

    // The alarm expires it in D1; the page already says so.
    await runDurableObjectAlarm(env.ESCALATIONS.get(env.ESCALATIONS.idFromName(escalation_id)));
    expect(await escalationRow(escalation_id)).toMatchObject({ status: "expired", decided_by: null });
    expect(decisionOf(await page(t, page_id))).toBe("Expired");
  });

  it("writes Expired to the page when the escalation's alarm expires it", async () => {
    const t = await connectedTenant();
    const { escalation_id, page_id } = await heldCall(t);
    await env.DB.prepare("UPDATE escalations SET expires_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), escalation_id)
      .run();
    expect(await runDurableObjectAlarm(env.ESCALATIONS.get(env.ESCALATIONS.idFromName(escalation_id)))).toBe(true);
    expect(decisionOf(await page(t, page_id))).toBe("Expired");
    expect((await escalationRow(escalation_id))!.page_decision).toBe("expired");
  });

  it("gives up a page Notion refuses to update, so later passes do not try it again", async () => {
    const t = await connectedTenant();
    const { escalation_id, page_id } = await heldCall(t);
    await env.DB.prepare("UPDATE escalations SET status = 'cancelled' WHERE id = ?").bind(escalation_id).run();
    await t.manager.pages.update({ page_id, in_trash: true });

    expect(await followPages(env, t.tenant)).toEqual({ tenant_id: t.tenant, updated: 0 });
    expect((await escalationRow(escalation_id))!.page_decision).toBe("cancelled");
    expect(await followPages(env, t.tenant)).toEqual({ tenant_id: t.tenant, updated: 0 });
  });

  it("never decides one tenant's escalation through another tenant's webhook URL", async () => {
    const t = await connectedTenant();
    const otherPage = await t.manager.pages.create({
      parent: { type: "page_id", page_id: t.emulator.rootPageId },
      properties: { title: { title: text("Another workspace's Policy OS") } },
    });
    const other = await connectedTenant({ emulator: t.emulator, parent_page_id: otherPage.id });
    const { escalation_id, page_id } = await heldCall(t);
    const events = await setDecision(t, "manager", page_id, "Approved");

    expect(await deliver(events, other.tenant)).toEqual([200]);
    expect(await takeWebhookDecision(env, other.tenant, page_id, parsed(events[0]!))).toEqual({
      result: "ignored",
      reason: "unknown_page",
    });
    expect((await escalationRow(escalation_id))!.status).toBe("pending");
    expect(decisionOf(await page(t, page_id))).toBe("Approved");
  });
});

describe("the escalation's ledger entries", () => {
  it("appends an entry the ledger could not take when the escalation's alarm runs, once", async () => {
    const t = await connectedTenant();
    const { escalation_id } = await heldCall(t);
    const stub = env.ESCALATIONS.get(env.ESCALATIONS.idFromName(escalation_id));
    const entry = {
      kind: "escalation",
      invocation_id: null,
      body: { escalation_id, event: "decided", decision: "approved", decided_by: "ops@example.com", source: "webhook" },
    };
    // As the object leaves it when the ledger fails right after a decision is recorded in D1.
    await runInDurableObject(stub, (_, state) =>
      state.storage.put("unrecorded", { tenant_id: t.tenant, entries: [entry] }),
    );

    await runDurableObjectAlarm(stub);
    await runDurableObjectAlarm(stub);
    expect(await decided(t.tenant, escalation_id)).toEqual([expect.objectContaining({ body: entry.body })]);
    expect(await runInDurableObject(stub, (_, state) => state.storage.get("unrecorded"))).toBeUndefined();
  });
});

describe("reminders", () => {
  const objectOf = (escalation_id: string) => env.ESCALATIONS.get(env.ESCALATIONS.idFromName(escalation_id));
  /** Runs the escalation's alarm once its reminder is due (the runtime may have run it already). */
  async function reminderDue(escalation_id: string) {
    const row = (await escalationRow(escalation_id))!;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(row.remind_at) - Date.now() + 50)));
    await runDurableObjectAlarm(objectOf(escalation_id));
  }

  it("mentions the approvers in one comment when a page waits undecided past the tenant's reminder time", async () => {
    const t = await connectedTenant({ settings: { approval_reminder_seconds: 1 } });
    const { escalation_id, page_id } = await heldCall(t);
    await reminderDue(escalation_id);

    const row = await until(
      () => escalationRow(escalation_id),
      (r) => Boolean(r?.reminded_at),
      "the reminder",
    );
    const listed = await t.manager.comments.list({ block_id: page_id });
    expect(listed.results).toHaveLength(1);
    const parts = listed.results[0]!.rich_text;
    expect(parts.filter((part) => part.type === "mention").map((part) => part.mention)).toEqual([
      { type: "user", user: { object: "user", id: MANAGER_ID } },
    ]);
    expect(parts.map((part) => part.plain_text).join("")).toBe(
      `Reminder: @Maya Manager, this request has waited for a decision since ${row!.created_at}. Set Decision to Approved or Denied before ${row!.expires_at}, when it expires and the agent's call will not run.`,
    );

    // Reminded once: the next alarm is the expiry.
    await runDurableObjectAlarm(objectOf(escalation_id));
    expect(await comments(t, page_id)).toHaveLength(1);
    expect(await runInDurableObject(objectOf(escalation_id), (_, state) => state.storage.getAlarm())).toBe(
      Date.parse(row!.expires_at),
    );
  });

  it("tries a due reminder again within seconds, not half a minute, while its page is not there yet, and sends it once it is", async () => {
    const t = await connectedTenant({ settings: { approval_reminder_seconds: 1 } });
    const { escalation_id, page_id } = await heldCall(t);
    const pageId = (id: string | null) =>
      env.DB.prepare(`UPDATE escalations SET notion_page_id = ? WHERE id = ?`).bind(id, escalation_id).run();
    const nextAlarm = () => runInDurableObject(objectOf(escalation_id), (_, state) => state.storage.getAlarm());
    // As if Notion had not created the page by the reminder's moment.
    await pageId(null);

    await reminderDue(escalation_id);
    // The first tries wait 1 s, then 2 s (the runtime may have run the due alarm itself before this test did).
    const wait = (await nextAlarm())! - Date.now();
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(2_000);
    expect(await comments(t, page_id)).toEqual([]);
    expect((await escalationRow(escalation_id))!.reminded_at).toBeNull();

    await pageId(page_id);
    await runDurableObjectAlarm(objectOf(escalation_id));
    await until(
      () => escalationRow(escalation_id),
      (r) => Boolean(r?.reminded_at),
      "the reminder",
    );
    expect(await comments(t, page_id)).toHaveLength(1);
  });

  it("sends no reminder for a request decided before its reminder time", async () => {
    const t = await connectedTenant({ settings: { approval_reminder_seconds: 1 } });
    const { escalation_id, page_id } = await heldCall(t);
    expect(await deliver(await setDecision(t, "manager", page_id, "Denied"), t.tenant)).toEqual([202]);
    await settledAs(escalation_id, "denied");
    await reminderDue(escalation_id);

    expect((await escalationRow(escalation_id))!.reminded_at).toBeNull();
    expect(await comments(t, page_id)).toEqual([]);
  });
});

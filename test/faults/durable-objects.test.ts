import { env, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { pollDecisions } from "../../src/approvals/decision-poll";
import { escalationObject } from "../../src/approvals/escalation-object";
import { sweepEscalations, TRACK_GRACE_MS } from "../../src/approvals/escalation-sweep";
import { followPages } from "../../src/approvals/follow-page";
import { notionApprovalPages } from "../../src/notion/approvals/notion-approval-pages";
import { dailyRefundCapColumns, standardRows } from "../fixtures/policies";
import { notion, useEmulatorNetwork } from "../emulator/helpers";
import { connectedTenant, disconnectAfterEach } from "../support/notion-tenant";
import { admin, auditRows, call, connect, newTenant } from "../support/worker";

useEmulatorNetwork();
disconnectAfterEach();

type Binding = "LEDGER" | "BUDGETS" | "ESCALATIONS";

const worker = env as unknown as Record<Binding, DurableObjectNamespace>;
const real = { LEDGER: env.LEDGER, BUDGETS: env.BUDGETS, ESCALATIONS: env.ESCALATIONS } as unknown as Record<
  Binding,
  DurableObjectNamespace
>;
afterEach(() => Object.assign(worker, real));

/** What a Durable Object call rejects with when its object is reset or its storage is overloaded. */
const RESET = "Durable Object reset because its code was updated.";

/**
 * Makes the named methods of one Durable Object namespace throw, as a reset or overloaded object would, for every
 * stub the Worker gets from now on (until the test ends or `heal` is called), or only for the object named
 * `onlyName`. Returns how often each threw.
 */
function breakObjects(binding: Binding, methods: readonly string[], onlyName?: string) {
  const thrown: string[] = [];
  const namespace = real[binding];
  let broken = true;
  worker[binding] = new Proxy(namespace, {
    get(target, property) {
      if (property !== "get") {
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      }
      return (id: DurableObjectId) => {
        const stub = target.get(id);
        if (onlyName !== undefined && id.name !== onlyName) return stub;
        return new Proxy(stub, {
          get(inner, name) {
            if (broken && typeof name === "string" && methods.includes(name))
              return async () => {
                thrown.push(name);
                throw new Error(RESET);
              };
            const value = (inner as unknown as Record<string | symbol, unknown>)[name];
            return value;
          },
        });
      };
    },
  });
  return {
    thrown,
    heal: () => {
      broken = false;
      worker[binding] = namespace;
    },
  };
}

const refund = (amount_cents: number) => ({ customer_id: "cus_002", amount_cents, reason: "damaged" });

/** The refunds the demo payments host has made for cus_002. */
async function refundsMade(agent: Awaited<ReturnType<typeof connect>>) {
  const listed = await call(agent, "payments.list_refunds", { customer_id: "cus_002" });
  return (listed.outcome.data as { refunds: { amount_cents: number }[] }).refunds;
}

async function ledgerEntries(tenant: string): Promise<{ kind: string; invocation_id?: string; body: any }[]> {
  return (await admin("GET", `/ledger?tenant=${tenant}`)).body.entries;
}

async function desk(rows: unknown[] = standardRows) {
  const tenant = await newTenant({ rows });
  return { ...tenant, agent: await connect(tenant.key) };
}

const escalationRow = (id: string) =>
  env.DB.prepare("SELECT * FROM escalations WHERE id = ?").bind(id).first<Record<string, string | null>>();

const approve = (id: string) =>
  env.DB.prepare("UPDATE escalations SET status = 'approved', decided_by = 'manager', decided_at = ? WHERE id = ?")
    .bind(new Date().toISOString(), id)
    .run();

describe("a ledger Durable Object that throws", () => {
  it("before the decision append: the call does not run, and the agent gets ledger_unavailable, retryable", async () => {
    const d = await desk();
    const ledger = breakObjects("LEDGER", ["append"]);
    const failed = await call(d.agent, "payments.create_refund", refund(10_000));
    expect(failed.outcome).toMatchObject({
      outcome: "failed",
      success: false,
      error: { code: "ledger_unavailable", retryable: true },
      evidence_ids: [],
    });
    expect(failed.text).toMatch(/could not be recorded, so the call did not run/);
    expect(ledger.thrown).toEqual(["append", "append"]);
    const [row] = await auditRows(d.tenant, 1);
    expect(row).toMatchObject({ invocation_id: failed.outcome.invocation_id, outcome: "failed" });

    ledger.heal();
    expect(await refundsMade(d.agent)).toEqual([]);
    const ran = await call(d.agent, "payments.create_refund", refund(10_000));
    expect(ran.outcome.outcome).toBe("succeeded");
    expect(await refundsMade(d.agent)).toHaveLength(1);
    expect((await admin("GET", `/ledger/verify?tenant=${d.tenant}`)).body).toMatchObject({ ok: true });
  });

  it("for a denied call: the agent still gets its denial, with no evidence ids it could not be given", async () => {
    const d = await desk();
    breakObjects("LEDGER", ["append"]);
    const denied = await call(d.agent, "crm.delete_contact", { contact_id: "con_002" });
    expect(denied.outcome).toMatchObject({ outcome: "denied", denial: { code: "contact_deletion_blocked" } });
    expect(denied.outcome.evidence_ids).toEqual([]);
  });

  it("on an approved retry: nothing runs, the approval stays unused, and the next retry runs exactly once", async () => {
    const d = await desk();
    const held = await call(d.agent, "payments.create_refund", refund(75_000));
    const id = held.outcome.escalation_id!;
    await approve(id);

    const ledger = breakObjects("LEDGER", ["append"]);
    const failed = await call(d.agent, "payments.create_refund", refund(75_000));
    expect(failed.outcome.error).toMatchObject({ code: "ledger_unavailable", retryable: true });
    expect(await escalationRow(id)).toMatchObject({ status: "approved", executed_at: null });

    ledger.heal();
    const ran = await call(d.agent, "payments.create_refund", refund(75_000));
    expect(ran.outcome).toMatchObject({ outcome: "succeeded", escalation_id: id });
    expect((await call(d.agent, "payments.create_refund", refund(75_000))).outcome.denial?.code).toBe(
      "approval_already_used",
    );
    expect((await refundsMade(d.agent)).map((r) => r.amount_cents)).toEqual([75_000]);
  });

  it("with a cost cap: the reservation is given back, so the cap is not spent by a call that never ran", async () => {
    const d = await desk([
      { Name: "Daily refund cap", "Policy ID": "daily_refund_cap", Status: "Active", ...dailyRefundCapColumns },
    ]);
    const ledger = breakObjects("LEDGER", ["append"]);
    for (let i = 0; i < 3; i++)
      expect((await call(d.agent, "payments.create_refund", refund(40_000))).outcome.error?.code).toBe(
        "ledger_unavailable",
      );
    ledger.heal();
    // $1,000 a day: two refunds of $400 fit, as if the three failed calls had never been made.
    expect((await call(d.agent, "payments.create_refund", refund(40_000))).outcome.outcome).toBe("succeeded");
    expect((await call(d.agent, "payments.create_refund", refund(40_000))).outcome.outcome).toBe("succeeded");
    expect((await call(d.agent, "payments.create_refund", refund(40_000))).outcome.denial?.code).toBe(
      "budget_exhausted",
    );
  });
});

describe("a budget Durable Object that throws", () => {
  const capped = [
    { Name: "Daily refund cap", "Policy ID": "daily_refund_cap", Status: "Active", ...dailyRefundCapColumns },
  ];

  it("on the reservation: fails closed with budget_unavailable, runs nothing, and records both ledger entries", async () => {
    const d = await desk(capped);
    const budgets = breakObjects("BUDGETS", ["reserve"]);
    const failed = await call(d.agent, "payments.create_refund", refund(10_000));
    expect(failed.outcome).toMatchObject({
      outcome: "failed",
      error: { code: "budget_unavailable", retryable: true },
    });
    expect(budgets.thrown).toEqual(["reserve"]);
    const entries = (await ledgerEntries(d.tenant)).filter((e) => e.invocation_id === failed.outcome.invocation_id);
    expect(entries.map((e) => e.kind)).toEqual(["decision", "outcome"]);
    expect(failed.outcome.evidence_ids).toHaveLength(2);

    budgets.heal();
    expect(await refundsMade(d.agent)).toEqual([]);
  });

  it("on an approved retry: fails closed, the approval stays unused, and the retry after recovery runs once", async () => {
    const d = await desk([...standardRows, ...capped]);
    const id = (await call(d.agent, "payments.create_refund", refund(75_000))).outcome.escalation_id!;
    await approve(id);
    const budgets = breakObjects("BUDGETS", ["reserve"]);
    expect((await call(d.agent, "payments.create_refund", refund(75_000))).outcome.error?.code).toBe(
      "budget_unavailable",
    );
    expect(await escalationRow(id)).toMatchObject({ status: "approved", executed_at: null });
    budgets.heal();
    expect((await call(d.agent, "payments.create_refund", refund(75_000))).outcome.outcome).toBe("succeeded");
    expect((await refundsMade(d.agent)).map((r) => r.amount_cents)).toEqual([75_000]);
  });

  it("on the settlement after the host ran: the call succeeded once and is never run again", async () => {
    const d = await desk(capped);
    const budgets = breakObjects("BUDGETS", ["settle"]);
    const ran = await call(d.agent, "payments.create_refund", refund(10_000));
    expect(ran.outcome.outcome).toBe("succeeded");
    const entries = (await ledgerEntries(d.tenant)).filter((e) => e.invocation_id === ran.outcome.invocation_id);
    expect(entries.map((e) => e.kind)).toEqual(["decision", "outcome"]);
    await auditRows(d.tenant, 1);
    expect(budgets.thrown).toEqual(["settle"]);
    budgets.heal();
    expect(await refundsMade(d.agent)).toHaveLength(1);
  });
});

/** The Worker's Approvals pages in Notion, as the cron reaches them. */
const pages = notionApprovalPages(env);

/** Waits until `read` gives a value `check` accepts (the page and the object are written after the answer). */
async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const value = await read();
    if (check(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A held call of a Notion tenant, with its page written. */
async function heldWithPage() {
  const t = await connectedTenant();
  const agent = await connect(t.key);
  const held = await call(agent, "payments.create_refund", refund(75_000));
  expect(held.outcome.outcome).toBe("pending_approval");
  const id = held.outcome.escalation_id!;
  const row = await until(
    () => escalationRow(id),
    (r) => Boolean(r?.notion_page_id),
    "the approval page",
  );
  return { t, agent, id, page_id: row!.notion_page_id! };
}

describe("an escalation Durable Object that throws", () => {
  it("when a call is held: the agent still gets pending_approval, the escalation stays pending, and its retry joins it without running", async () => {
    const d = await desk();
    const escalations = breakObjects("ESCALATIONS", ["track"]);
    const held = await call(d.agent, "payments.create_refund", refund(75_000));
    expect(held.outcome).toMatchObject({ outcome: "pending_approval", escalation_id: expect.any(String) });
    await until(
      async () => escalations.thrown,
      (thrown) => thrown.length === 1,
      "the object's call",
    );
    escalations.heal();
    expect(await escalationRow(held.outcome.escalation_id!)).toMatchObject({ status: "pending" });
    expect((await call(d.agent, "payments.create_refund", refund(75_000))).outcome).toMatchObject({
      outcome: "pending_approval",
      escalation_id: held.outcome.escalation_id,
    });
    expect(await refundsMade(d.agent)).toEqual([]);
  });

  it("while the poll takes a decision: nothing is decided, and the poll after recovery takes it once", async () => {
    const { t, agent, id, page_id } = await heldWithPage();
    await notion("person:manager").pages.update({
      page_id,
      properties: { Decision: { select: { name: "Approved" } } },
    });
    const escalations = breakObjects("ESCALATIONS", ["takeDecision"]);
    await expect(pollDecisions(env, pages, t.tenant)).rejects.toThrow(RESET);
    expect(await escalationRow(id)).toMatchObject({ status: "pending" });
    expect((await call(agent, "payments.create_refund", refund(75_000))).outcome.outcome).toBe("pending_approval");

    escalations.heal();
    expect(await pollDecisions(env, pages, t.tenant)).toMatchObject({ seen: 1, taken: 1 });
    const decided = (await ledgerEntries(t.tenant)).filter(
      (e) => e.kind === "escalation" && e.body.escalation_id === id && e.body.event === "decided",
    );
    expect(decided).toHaveLength(1);
    expect((await call(agent, "payments.create_refund", refund(75_000))).outcome.outcome).toBe("succeeded");
    expect(await refundsMade(agent)).toHaveLength(1);
  });

  it("when the approved call has run: it ran once, and the page says Executed at the next pass", async () => {
    const { t, agent, id, page_id } = await heldWithPage();
    await approve(id);
    const escalations = breakObjects("ESCALATIONS", ["followPage"]);
    const ran = await call(agent, "payments.create_refund", refund(75_000));
    expect(ran.outcome).toMatchObject({ outcome: "succeeded", escalation_id: id });
    await until(
      async () => escalations.thrown,
      (thrown) => thrown.length === 1,
      "the object's call",
    );
    escalations.heal();
    expect((await call(agent, "payments.create_refund", refund(75_000))).outcome.denial?.code).toBe(
      "approval_already_used",
    );
    expect(await refundsMade(agent)).toHaveLength(1);

    expect(await followPages(env, t.tenant)).toEqual({ tenant_id: t.tenant, updated: 1 });
    const page = (await t.manager.pages.retrieve({ page_id })) as { properties: Record<string, any> };
    expect(page.properties.Decision.select.name).toBe("Executed");
  });
});

describe("an escalation its Durable Object never tracked", () => {
  it("still expires on time: a late approval in Notion is not taken, and the retry answers approval_expired and asks again", async () => {
    // The page is still written at once, though the object's call failed beside it.
    const { t, agent, id, page_id } = await heldUntracked();
    // The day it waits has passed, and no alarm was set to expire it.
    await pastExpiry(id);

    await notion("person:manager").pages.update({
      page_id,
      properties: { Decision: { select: { name: "Approved" } } },
    });
    expect(await pollDecisions(env, pages, t.tenant)).toMatchObject({ seen: 0, taken: 0 });
    expect(await escalationRow(id)).toMatchObject({ status: "pending", decided_by: null });
    const retry = await call(agent, "payments.create_refund", refund(75_000));
    expect(retry.outcome).toMatchObject({ outcome: "pending_approval", denial: { code: "approval_expired" } });
    expect(retry.outcome.escalation_id).not.toBe(id);
    expect(await refundsMade(agent)).toEqual([]);
  });
});

/** The escalation's `expired` ledger entries. */
async function expiredEntries(tenant: string, id: string) {
  return (await ledgerEntries(tenant)).filter(
    (e) => e.kind === "escalation" && e.body.escalation_id === id && e.body.event === "expired",
  );
}

/** The Decision its Approvals page shows in Notion. */
async function decisionShown(t: Awaited<ReturnType<typeof connectedTenant>>, page_id: string) {
  const page = (await t.manager.pages.retrieve({ page_id })) as { properties: Record<string, any> };
  return page.properties.Decision.select?.name as string | undefined;
}

/** The cron's sweep as it runs once the grace for escalations being opened has passed. */
const sweepLater = () => sweepEscalations(env, new Date(Date.now() + TRACK_GRACE_MS + 1_000));

/** A held call whose object's `track` threw; the page is written and the object works again. */
async function heldUntracked() {
  const t = await connectedTenant();
  const agent = await connect(t.key);
  const escalations = breakObjects("ESCALATIONS", ["track"]);
  const held = await call(agent, "payments.create_refund", refund(75_000));
  const id = held.outcome.escalation_id!;
  const { notion_page_id } = (await until(
    () => escalationRow(id),
    (r) => Boolean(r?.notion_page_id),
    "the approval page",
  ))!;
  await until(
    async () => escalations.thrown,
    (thrown) => thrown.length === 1,
    "the object's call",
  );
  escalations.heal();
  expect(await escalationRow(id)).toMatchObject({ status: "pending", tracked_at: null });
  return { t, agent, id, page_id: notion_page_id! };
}

const pastExpiry = (id: string) =>
  env.DB.prepare("UPDATE escalations SET expires_at = ? WHERE id = ?")
    .bind(new Date(Date.now() - 60_000).toISOString(), id)
    .run();

describe("the cron's sweep of escalations their objects never tracked", () => {
  it("expires one past its expiry once: its page shows Expired though someone set Approved late, and the retry answers approval_expired", async () => {
    const { t, agent, id, page_id } = await heldUntracked();
    await pastExpiry(id);
    await notion("person:manager").pages.update({
      page_id,
      properties: { Decision: { select: { name: "Approved" } } },
    });

    expect((await sweepLater()).expired).toBeGreaterThanOrEqual(1);
    expect(await escalationRow(id)).toMatchObject({ status: "expired", decided_by: null });
    expect(await expiredEntries(t.tenant, id)).toHaveLength(1);
    expect(await decisionShown(t, page_id)).toBe("Expired");

    await sweepLater();
    expect(await expiredEntries(t.tenant, id)).toHaveLength(1);
    expect(await pollDecisions(env, pages, t.tenant)).toMatchObject({ taken: 0 });
    const retry = await call(agent, "payments.create_refund", refund(75_000));
    expect(retry.outcome).toMatchObject({ outcome: "pending_approval", denial: { code: "approval_expired" } });
    expect(retry.outcome.escalation_id).not.toBe(id);
    expect(await refundsMade(agent)).toEqual([]);
  });

  it("tracks one not yet due, so its object's alarm expires it when it is due, and the sweep leaves it alone after", async () => {
    const { t, id } = await heldUntracked();
    await sweepLater();
    expect((await escalationRow(id))?.tracked_at).toEqual(expect.any(String));

    await pastExpiry(id);
    expect(await runDurableObjectAlarm(escalationObject(env, id))).toBe(true);
    expect(await escalationRow(id)).toMatchObject({ status: "expired" });
    await sweepLater();
    expect(await expiredEntries(t.tenant, id)).toHaveLength(1);
  });

  it("goes on past an object that cannot be reached: the oldest escalation failing does not stall the next one, and is expired on the pass after", async () => {
    const stuck = await heldUntracked();
    const next = await heldUntracked();
    await pastExpiry(stuck.id);
    await pastExpiry(next.id);
    const objects = breakObjects("ESCALATIONS", ["catchUp"], stuck.id);

    const report = await sweepLater();
    expect(objects.thrown).toEqual(["catchUp"]);
    expect(report.failed).toBeGreaterThanOrEqual(1);
    expect(await escalationRow(stuck.id)).toMatchObject({ status: "pending" });
    expect(await escalationRow(next.id)).toMatchObject({ status: "expired" });
    expect(await expiredEntries(next.t.tenant, next.id)).toHaveLength(1);

    objects.heal();
    await sweepLater();
    expect(await escalationRow(stuck.id)).toMatchObject({ status: "expired" });
  });

  it("never hands on an escalation its object tracks until its expiry passes, and then the alarm and the sweep expire it once", async () => {
    const t = await connectedTenant();
    const agent = await connect(t.key);
    const id = (await call(agent, "payments.create_refund", refund(75_000))).outcome.escalation_id!;
    await until(
      () => escalationRow(id),
      (r) => Boolean(r?.tracked_at),
      "the object's tracking",
    );
    const objects = breakObjects("ESCALATIONS", ["catchUp"]);
    await sweepLater();
    expect(objects.thrown).toEqual([]);
    objects.heal();

    await pastExpiry(id);
    await sweepLater();
    expect(await runDurableObjectAlarm(escalationObject(env, id))).toBe(true);
    expect(await escalationRow(id)).toMatchObject({ status: "expired" });
    expect(await expiredEntries(t.tenant, id)).toHaveLength(1);
  });
});

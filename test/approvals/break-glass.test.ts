import { env } from "cloudflare:test";
import { isFullPage } from "@notionhq/client";
import { HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import type { NotionEmulator } from "../../emulator/notion";
import { takeWebhookDecision } from "../../src/approvals/decisions";
import { followPages } from "../../src/approvals/follow-page";
import { digestFigures } from "../../src/digest/figures";
import { weekStart } from "../../src/digest/week";
import { digestBlocks } from "../../src/notion/digest/digest-page";
import { templateNarrative } from "../../src/digest/template";
import { webhookEventSchema } from "../../src/notion/webhook";
// @ts-expect-error plain ESM helper of the `policy-os` CLI
import { decisionLine, decisionRequest } from "../../scripts/approvals-decide.mjs";
import { notion, useEmulatorNetwork } from "../emulator/helpers";
import { disconnectAfterEach, MANAGER_ID, propertyOf } from "../support/notion-tenant";
import { admin, auditRows, call, newTenant } from "../support/worker";
import { heldForRequester, refund, type Held } from "./held-for-requester";
import { escalationRow, ledgerEntries, refundsMade } from "./helpers";

/**
 * Break-glass: `POST /admin/escalations/:id/decision` (the CLI's `approvals decide`) decides a held call while
 * Notion is unreachable, under the rules a decision taken in Notion follows. The fixture keeps the people apart as
 * test/approvals/separation-of-duties.test.ts does: the agent is owned by ops, acts for the requester, and ops,
 * manager and requester are all approvers of the policy; only the manager may decide.
 */

useEmulatorNetwork();
disconnectAfterEach();

/**
 * Makes Notion unreachable for the Worker's integration: every request it sends is dropped, and listed. People's
 * own requests (the test's) still reach the emulator. `restore` brings Notion back.
 */
function notionUnreachable(emulator: NotionEmulator) {
  const handle = emulator.handle;
  const dropped: string[] = [];
  emulator.handle = async (request: Request) => {
    if (request.headers.get("authorization") !== "Bearer secret_emulator") return handle.call(emulator, request);
    dropped.push(`${request.method} ${new URL(request.url).pathname}`);
    return HttpResponse.error() as unknown as Response;
  };
  return { dropped, restore: () => void (emulator.handle = handle) };
}

/** Takes a break-glass decision through the admin API, as `policy-os approvals decide` sends it. */
const breakGlass = (
  t: { tenant: string; escalation_id: string },
  body: { decision?: string; as?: string; reason?: string },
  tenant = t.tenant,
) =>
  admin("POST", `/escalations/${t.escalation_id}/decision?tenant=${tenant}`, {
    decision: "approved",
    as: "manager",
    reason: "Notion is down (incident 42); the customer is waiting",
    ...body,
  });

/** The escalation's `decided` ledger entries. */
const decidedEntries = async (t: Held) =>
  (await ledgerEntries(t.tenant)).filter(
    (entry) =>
      entry.kind === "escalation" && entry.body.escalation_id === t.escalation_id && entry.body.event === "decided",
  );

/** The refunds of this amount the demo payments host has made for the tenant. */
const refundsOfThisCall = async (t: Held) =>
  (await refundsMade(t.agent)).filter((made) => made.amount_cents === refund.amount_cents);

async function decisionShown(t: Held): Promise<unknown> {
  const page = await t.manager.pages.retrieve({ page_id: t.page_id });
  if (!isFullPage(page)) throw new Error("not a full page");
  return { decision: propertyOf(page, "Decision"), decided_by: propertyOf(page, "Decided by") };
}

async function comments(t: Held): Promise<string[]> {
  const listed = await t.manager.comments.list({ block_id: t.page_id });
  return listed.results.map((comment) => comment.rich_text.map((part) => part.plain_text).join(""));
}

/** Nothing was decided: still pending, no `decided` entry, and the agent's retry is still held. */
async function expectUndecided(t: Held) {
  expect(await escalationRow(t.escalation_id)).toMatchObject({ status: "pending", decided_by: null });
  expect(await decidedEntries(t)).toEqual([]);
  const retry = await call(t.agent, "payments.create_refund", refund, { on_behalf_of: "requester" });
  expect(retry.outcome).toMatchObject({ outcome: "pending_approval", escalation_id: t.escalation_id });
}

describe("a break-glass decision while Notion is unreachable", () => {
  it("approves without one request to Notion, and the agent's retry runs once, counted at the host", async () => {
    const t = await heldForRequester();
    const down = notionUnreachable(t.emulator);

    const taken = await breakGlass(t, { reason: "Notion is down; Jane (jane.doe@example.com) needs her refund" });
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({
      escalation_id: t.escalation_id,
      decision: "approved",
      via: "break_glass",
      decided_by: "manager",
      reason: "Notion is down; Jane ([REDACTED:email]) needs her refund",
    });
    expect(down.dropped).toEqual([]);

    const retry = await call(t.agent, "payments.create_refund", refund, { on_behalf_of: "requester" });
    expect(retry.outcome).toMatchObject({ outcome: "succeeded", escalation_id: t.escalation_id });
    const again = await call(t.agent, "payments.create_refund", refund, { on_behalf_of: "requester" });
    expect(again.outcome).toMatchObject({ decision: { reason_code: "approval_already_used" } });
    expect(await refundsOfThisCall(t)).toHaveLength(1);
    down.restore();
  });

  it("names the break-glass decision in the audit log, on the rows of the call it decided", async () => {
    const t = await heldForRequester();
    const taken = await breakGlass(t, {});
    const retry = await call(t.agent, "payments.create_refund", refund, { on_behalf_of: "requester" });
    expect(retry.outcome).toMatchObject({ outcome: "succeeded" });
    const [ran] = await auditRows(t.tenant, 1, "&outcome=succeeded&tool=payments.create_refund");
    expect(ran).toMatchObject({
      invocation_id: retry.outcome.invocation_id,
      escalation_id: t.escalation_id,
      break_glass: {
        decided_by: "manager",
        decided_at: taken.body.decided_at,
        reason: "Notion is down (incident 42); the customer is waiting",
      },
    });
    // A call without an escalation names no break-glass decision.
    await refundsMade(t.agent);
    const [lookup] = await auditRows(t.tenant, 1, "&tool=payments.list_refunds");
    expect(lookup).toMatchObject({ escalation_id: null });
    expect(lookup).not.toHaveProperty("break_glass");
  });

  it("records the decision as break-glass in the ledger, with who and the redacted reason", async () => {
    const t = await heldForRequester();
    const down = notionUnreachable(t.emulator);
    expect((await breakGlass(t, { reason: "outage; call 415-555-2671" })).status).toBe(200);
    down.restore();

    const [entry, ...more] = await decidedEntries(t);
    expect(more).toEqual([]);
    expect(entry.body).toEqual({
      escalation_id: t.escalation_id,
      agent_id: t.agent_id,
      tool: "payments.create_refund",
      event: "decided",
      decision: "approved",
      decided_by: "manager",
      source: "admin",
      via: "break_glass",
      reason: "outage; call [REDACTED:phone]",
    });
    expect(await escalationRow(t.escalation_id)).toMatchObject({
      status: "approved",
      decided_via: "break_glass",
      decision_reason: "outage; call [REDACTED:phone]",
    });
  });

  it("denies: the agent's retry is refused and the call never runs", async () => {
    const t = await heldForRequester();
    const down = notionUnreachable(t.emulator);
    const taken = await breakGlass(t, { decision: "denied" });
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({ decision: "denied", via: "break_glass", decided_by: "manager" });
    expect(down.dropped).toEqual([]);
    const retry = await call(t.agent, "payments.create_refund", refund, { on_behalf_of: "requester" });
    expect(retry.outcome).toMatchObject({ outcome: "denied", escalation_id: t.escalation_id });
    down.restore();
    expect(await refundsOfThisCall(t)).toEqual([]);
  });
});

describe("break-glass follows the rules of a decision taken in Notion, one rule per test", () => {
  it("approver rule: someone the escalation does not name as an approver is refused, and nothing is decided", async () => {
    const t = await heldForRequester();
    const taken = await breakGlass(t, { as: "finance" });
    expect(taken.status).toBe(403);
    expect(taken.body.error).toEqual({
      code: "not_an_approver",
      message: `finance is not an approver of this request and cannot decide escalation ${t.escalation_id}; an approver (ops, manager, requester) must.`,
    });
    await expectUndecided(t);
  });

  it("requester rule: the person the agent acted for cannot approve their own request, though an approver", async () => {
    const t = await heldForRequester();
    const taken = await breakGlass(t, { as: "requester" });
    expect(taken.status).toBe(403);
    expect(taken.body.error.code).toBe("approver_is_requester");
    expect(taken.body.error.message).toContain("requester asked for this call and cannot decide");
    await expectUndecided(t);
  });

  it("agent-owner rule: the agent's owner (ops@example.com) cannot approve as ops, though an approver", async () => {
    const t = await heldForRequester();
    const taken = await breakGlass(t, { as: "OPS" });
    expect(taken.status).toBe(403);
    expect(taken.body.error.code).toBe("approver_owns_agent");
    await expectUndecided(t);
  });

  it("first-decision rule: a decision already taken in Notion stands, and break-glass is refused saying so", async () => {
    const t = await heldForRequester();
    const before = t.emulator.webhookEvents.length;
    await notion("person:manager").pages.update({
      page_id: t.page_id,
      properties: { Decision: { select: { name: "Approved" } } },
    });
    await t.emulator.webhooksSettled();
    const event = webhookEventSchema.parse(t.emulator.webhookEvents[before]);
    expect(await takeWebhookDecision(env, t.tenant, t.page_id, event)).toMatchObject({ result: "accepted" });

    const taken = await breakGlass(t, { decision: "denied" });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe("escalation_already_decided");
    expect(taken.body.error.message).toMatch(
      new RegExp(
        `^Escalation ${t.escalation_id} is approved already by manager@example.com in Notion at .+; the first decision stands\\.$`,
      ),
    );
    expect(await escalationRow(t.escalation_id)).toMatchObject({ status: "approved", decided_via: "notion" });
    expect(await decidedEntries(t)).toHaveLength(1);
  });

  it("first-decision rule: of a break-glass denial and an approval in Notion taken at once, exactly one stands", async () => {
    const t = await heldForRequester();
    const before = t.emulator.webhookEvents.length;
    await notion("person:manager").pages.update({
      page_id: t.page_id,
      properties: { Decision: { select: { name: "Approved" } } },
    });
    await t.emulator.webhooksSettled();
    const event = webhookEventSchema.parse(t.emulator.webhookEvents[before]);

    const [inNotion, byBreakGlass] = await Promise.all([
      takeWebhookDecision(env, t.tenant, t.page_id, event),
      breakGlass(t, { decision: "denied" }),
    ]);
    const accepted = [inNotion.result === "accepted", byBreakGlass.status === 200].filter(Boolean);
    expect(accepted).toHaveLength(1);
    const [entry, ...more] = await decidedEntries(t);
    expect(more).toEqual([]);
    const row = await escalationRow(t.escalation_id);
    expect(row!.status).toBe(entry.body.decision);
    expect(row!.decided_via).toBe(entry.body.via === "break_glass" ? "break_glass" : "notion");
  });

  it("first-decision rule: a second break-glass decision is refused, naming the first as break-glass", async () => {
    const t = await heldForRequester();
    expect((await breakGlass(t, {})).status).toBe(200);
    const second = await breakGlass(t, { decision: "denied" });
    expect(second.status).toBe(409);
    expect(second.body.error.message).toContain("is approved already by manager by break-glass at");
    expect(await decidedEntries(t)).toHaveLength(1);
  });

  it("expiry rule: an escalation past its expiry cannot be decided, even before its alarm marked it", async () => {
    const t = await heldForRequester();
    await env.DB.prepare("UPDATE escalations SET expires_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 1000).toISOString(), t.escalation_id)
      .run();
    const taken = await breakGlass(t, {});
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe("escalation_expired");
    expect(await decidedEntries(t)).toEqual([]);
  });

  it("reason rule: a missing, blank or over-long reason is refused before anything is decided", async () => {
    const t = await heldForRequester();
    for (const reason of [undefined, "   ", "x".repeat(501), "hidden\u202Etext"]) {
      const taken = await admin("POST", `/escalations/${t.escalation_id}/decision?tenant=${t.tenant}`, {
        decision: "approved",
        as: "manager",
        ...(reason === undefined ? {} : { reason }),
      });
      expect(taken.status).toBe(400);
      expect(taken.body.error.code).toBe("invalid_request");
    }
    expect((await breakGlass(t, { reason: "x".repeat(500) })).status).toBe(200);
  });

  it("tenant rule: another tenant's admin call cannot see or decide this tenant's escalation", async () => {
    const t = await heldForRequester();
    const other = await newTenant();
    const taken = await breakGlass(t, {}, other.tenant);
    expect(taken.status).toBe(404);
    expect(taken.body.error.code).toBe("escalation_not_found");
    await expectUndecided(t);
  });
});

describe("a break-glass decision once Notion is back", () => {
  it("shows on the page, once: a comment says by whom, why and when, and Decided by names the approver", async () => {
    const t = await heldForRequester();
    const down = notionUnreachable(t.emulator);
    const taken = await breakGlass(t, {});
    await expect(followPages(env, t.tenant)).rejects.toThrow();
    down.restore();

    expect(await followPages(env, t.tenant)).toEqual({ tenant_id: t.tenant, updated: 1 });
    expect(await decisionShown(t)).toEqual({ decision: "Approved", decided_by: [MANAGER_ID] });
    const note =
      `Decided by break-glass while Notion was unreachable: manager approved this request at ${taken.body.decided_at} ` +
      "through the Policy OS admin API. Reason: Notion is down (incident 42); the customer is waiting. " +
      "A Decision set on this page now does not count.";
    expect(await comments(t)).toEqual([note]);

    const retry = await call(t.agent, "payments.create_refund", refund, { on_behalf_of: "requester" });
    expect(retry.outcome).toMatchObject({ outcome: "succeeded" });
    await followPages(env, t.tenant);
    expect(await decisionShown(t)).toMatchObject({ decision: "Executed" });
    expect(await comments(t)).toEqual([note]);
  });

  it("does not take a Decision set on the page later a second time: the page goes back to the break-glass decision", async () => {
    const t = await heldForRequester();
    const down = notionUnreachable(t.emulator);
    expect((await breakGlass(t, {})).status).toBe(200);
    down.restore();

    const before = t.emulator.webhookEvents.length;
    await notion("person:manager").pages.update({
      page_id: t.page_id,
      properties: { Decision: { select: { name: "Denied" } } },
    });
    await t.emulator.webhooksSettled();
    const event = webhookEventSchema.parse(t.emulator.webhookEvents[before]);
    expect(await takeWebhookDecision(env, t.tenant, t.page_id, event)).toEqual({
      result: "not_pending",
      status: "approved",
    });
    expect(await decisionShown(t)).toMatchObject({ decision: "Approved" });
    expect(await escalationRow(t.escalation_id)).toMatchObject({ status: "approved", decided_by: "manager" });
    expect(await decidedEntries(t)).toHaveLength(1);
    expect(await comments(t)).toEqual([expect.stringContaining("Decided by break-glass")]);
  });
});

describe("the weekly digest", () => {
  it("counts and lists the week's break-glass decisions, with who, what and why", async () => {
    const t = await heldForRequester();
    const taken = await breakGlass(t, {});
    const figures = await digestFigures(env, t.tenant, weekStart(new Date()));
    expect(figures.break_glass).toEqual({
      count: 1,
      decisions: [
        {
          escalation_id: t.escalation_id,
          tool: "payments.create_refund",
          agent_id: t.agent_id,
          decision: "approved",
          decided_by: "manager",
          decided_at: taken.body.decided_at,
          reason: "Notion is down (incident 42); the customer is waiting",
        },
      ],
    });
    const narrative = templateNarrative(figures);
    expect(narrative.paragraphs).toContain(
      "1 decision was taken by break-glass, through the admin API while Notion was unreachable; the figures list them.",
    );
    const lines = digestBlocks(figures, narrative).map((block) => JSON.stringify(block));
    expect(lines.some((line) => line.includes("Taken this week: 1"))).toBe(true);
    expect(
      lines.some((line) =>
        line.includes(`manager approved payments.create_refund for ${t.agent_id} (${t.escalation_id})`),
      ),
    ).toBe(true);
  });
});

describe("policy-os approvals decide", () => {
  it("prints what the admin API recorded, and what the agent's retry does next", async () => {
    const t = await heldForRequester();
    const request = decisionRequest({ approve: true, as: "manager", reason: "Notion is down" });
    expect(request).toEqual({ body: { decision: "approved", as: "manager", reason: "Notion is down" } });
    const taken = await admin("POST", `/escalations/${t.escalation_id}/decision?tenant=${t.tenant}`, request.body);
    expect(decisionLine(taken.body)).toBe(
      `escalation ${t.escalation_id} approved by break-glass as manager at ${taken.body.decided_at}; ` +
        "the agent's retry of payments.create_refund with the same arguments runs once. " +
        "Reason recorded (redacted): Notion is down\n" +
        "The Approvals page shows the decision, taken by break-glass, once Notion answers.",
    );
  });

  it("refuses, before sending anything, a command without one decision, a person or a reason", () => {
    expect(decisionRequest({ as: "manager", reason: "r" })).toEqual({
      error: "give exactly one of --approve or --deny",
    });
    expect(decisionRequest({ approve: true, deny: true, as: "manager", reason: "r" })).toEqual({
      error: "give exactly one of --approve or --deny",
    });
    expect(decisionRequest({ deny: true, reason: "r" })).toEqual({
      error: "missing --as <person>: the approver deciding",
    });
    expect(decisionRequest({ deny: true, as: "manager", reason: " " })).toEqual({
      error: 'missing --reason "…": why the decision is taken by break-glass',
    });
  });
});

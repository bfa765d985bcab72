import { env } from "cloudflare:test";
import { isFullPage } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import type { WebhookEvent } from "../../emulator/notion/webhooks";
import { takeWebhookDecision } from "../../src/approvals/decisions";
import { webhookEventSchema } from "../../src/notion/webhook";
import { notion, useEmulatorNetwork } from "../emulator/helpers";
import { disconnectAfterEach } from "../support/notion-tenant";
import { call } from "../support/worker";
import { heldForRequester, OPS_ID, refund, type Held } from "./held-for-requester";
import { escalationRow, ledgerEntries } from "./helpers";

/**
 * Each separation-of-duties rule of the decision intake, proved end to end on its own: a real call held through
 * /mcp, its page in the Notion emulator, and the Decision a person sets there taken by the escalation's object.
 * The fixture keeps the three people apart, so no rule can stand in for another: the agent is owned by ops, it acts
 * for the requester (`_meta.on_behalf_of`, allowed by its Acts for), and ops, manager and requester are all approvers of the policy. Only the
 * manager may decide.
 */

useEmulatorNetwork();
disconnectAfterEach();

const APPROVERS = "an approver (ops, manager, requester)";

/** `person` sets the page's Decision in Notion; returns the one webhook event that edit made. */
async function setDecision(t: Held, person: string, decision: string): Promise<WebhookEvent> {
  const before = t.emulator.webhookEvents.length;
  await notion(`person:${person}`).pages.update({
    page_id: t.page_id,
    properties: { Decision: { select: { name: decision } } },
  });
  await t.emulator.webhooksSettled();
  const events = t.emulator.webhookEvents.slice(before);
  expect(events).toHaveLength(1);
  return events[0]!;
}

/** Hands an event to the decision intake as the verified webhook receiver does. */
const take = (t: Held, event: WebhookEvent) =>
  takeWebhookDecision(env, t.tenant, t.page_id, webhookEventSchema.parse(event));

async function decisionShown(t: Held): Promise<string | null> {
  const page = await t.manager.pages.retrieve({ page_id: t.page_id });
  if (!isFullPage(page)) throw new Error("not a full page");
  const value = page.properties.Decision;
  return value?.type === "select" ? (value.select?.name ?? null) : null;
}

async function comments(t: Held): Promise<string[]> {
  const listed = await t.manager.comments.list({ block_id: t.page_id });
  return listed.results.map((comment) => comment.rich_text.map((part) => part.plain_text).join(""));
}

/** Nothing was decided: the escalation is pending, no `decided` entry exists, and the agent's retry is still held. */
async function expectUndecided(t: Held) {
  expect(await escalationRow(t.escalation_id)).toMatchObject({ status: "pending", decided_by: null });
  const decided = (await ledgerEntries(t.tenant)).filter(
    (entry) => entry.kind === "escalation" && entry.body.event === "decided",
  );
  expect(decided).toEqual([]);
  const retry = await call(t.agent, "payments.create_refund", refund, { on_behalf_of: "requester" });
  expect(retry.outcome).toMatchObject({ outcome: "pending_approval", escalation_id: t.escalation_id });
}

describe("separation of duties in the decision intake, one rule per test", () => {
  it("the only approver who neither asked for the call nor owns its agent decides it, and the call runs (control)", async () => {
    const t = await heldForRequester();
    expect(await take(t, await setDecision(t, "manager", "Approved"))).toEqual({
      result: "accepted",
      decision: "approved",
      decided_by: "manager@example.com",
    });
    const retry = await call(t.agent, "payments.create_refund", refund, { on_behalf_of: "requester" });
    expect(retry.outcome).toMatchObject({ outcome: "succeeded", escalation_id: t.escalation_id });
  });

  it("agent-owner rule: the agent's owner cannot approve a call the agent made for someone else", async () => {
    const t = await heldForRequester();
    const comment = `Omar Ops owns the agent that made this call and cannot approve it; ${APPROVERS} must decide.`;
    expect(await take(t, await setDecision(t, "ops", "Approved"))).toEqual({ result: "refused", comment });
    expect(await decisionShown(t)).toBe("Pending");
    expect(await comments(t)).toEqual([comment]);
    await expectUndecided(t);
  });

  it("requester rule: the person named in _meta.on_behalf_of cannot approve, though they do not own the agent", async () => {
    const t = await heldForRequester();
    const comment = `Rita Requester asked for this call and cannot approve it; ${APPROVERS} must decide.`;
    expect(await take(t, await setDecision(t, "requester", "Approved"))).toEqual({ result: "refused", comment });
    expect(await decisionShown(t)).toBe("Pending");
    expect(await comments(t)).toEqual([comment]);
    await expectUndecided(t);
  });

  it("one-person rule: a Decision set in one edit by an approver and another person together is refused", async () => {
    const t = await heldForRequester();
    const event = await setDecision(t, "manager", "Approved");
    const together = { ...event, authors: [...event.authors, { id: OPS_ID, type: "person" }] } as WebhookEvent;
    const comment = `Policy OS cannot tell who set Decision to Approved (the edit has 2 authors), so ${APPROVERS} must set it alone.`;
    expect(await take(t, together)).toEqual({ result: "refused", comment });
    expect(await decisionShown(t)).toBe("Pending");
    expect(await comments(t)).toEqual([comment]);
    await expectUndecided(t);
  });

  it("not_this_edit rule: an event for an edit that did not change Decision does not count as the approver's decision", async () => {
    const t = await heldForRequester();
    const event = await setDecision(t, "manager", "Approved");
    const otherEdit = { ...event, data: { ...event.data, updated_properties: ["title"] } } as WebhookEvent;
    expect(await take(t, otherEdit)).toEqual({ result: "ignored", reason: "not_this_edit" });
    // Ignored, not refused: the page is left as the person set it, for the event of that edit to decide.
    expect(await decisionShown(t)).toBe("Approved");
    expect(await comments(t)).toEqual([]);
    await expectUndecided(t);
  });

  it.for(["Executed", "Expired", "Cancelled"])(
    "only-Approved-or-Denied rule: the manager setting Decision to %s decides nothing",
    async (label) => {
      const t = await heldForRequester();
      const comment = `Only Approved or Denied decide a request, and Policy OS sets ${label} itself.`;
      expect(await take(t, await setDecision(t, "manager", label))).toEqual({ result: "refused", comment });
      expect(await decisionShown(t)).toBe("Pending");
      expect(await comments(t)).toEqual([comment]);
      await expectUndecided(t);
    },
  );
});

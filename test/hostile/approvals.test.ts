import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { takeDecision, type DecisionIntake, type IntakeResult } from "../../src/approvals/decisions";
import type { ApprovalPages, ApprovalPageState, ShownDecision, WorkspaceUser } from "../../src/approvals/ports";
import type { LedgerEntryInput } from "../../src/ledger/types";
import { admin, call, connect, newTenant, rawMcp } from "../support/worker";
import {
  bigRefund,
  decide,
  escalationRow,
  openRefundHold,
  refundDesk,
  refundHold,
  refundsMade,
} from "../approvals/helpers";

/**
 * Hostile decisions on approvals: people who may not decide, decisions racing or changed after the fact, and agents
 * re-sending approved calls in ways that must not run (or run only once). Decisions are taken through the
 * ApprovalPages port over an in-memory page, as the escalation's object takes them; calls go through /mcp.
 */

const PAGE_ID = "0f000000-0000-4000-8000-00000000000f";
const person = (id: string, name: string, email: string): WorkspaceUser => ({ id, type: "person", name, email });
const maya = person("u-maya", "Maya Manager", "manager@example.com");
const olga = person("u-olga", "Olga Ops", "ops@example.com");
/** Owns the agent (newTenant's agents are owned by "requester"). */
const rita = person("u-rita", "Rita Requester", "requester@example.com");
/** The person the agent acted for (the escalation's requested_for). */
const pat = person("u-pat", "Pat Customer", "pat@example.com");
const nina = person("u-nina", "Nina Nobody", "nina@example.com");
const robot: WorkspaceUser = { id: "u-bot", type: "bot", name: "Some integration", email: null };
const everyone = [maya, olga, rita, pat, nina, robot];

/** A workspace holding one Approvals page in memory: what Policy OS shows and comments is kept to be read back. */
function workspaceWith(page: Omit<ApprovalPageState, "page_id">) {
  const shown: ShownDecision[] = [];
  const comments: string[] = [];
  const unused = () => {
    throw new Error("taking a decision does not call this");
  };
  const pages: ApprovalPages = {
    read: async (page_id) => ({ ...page, page_id }),
    user: async (user_id) => everyone.find((user) => user.id === user_id)!,
    people: async () => new Map(everyone.filter((u) => u.email).map((u) => [u.email!.split("@")[0]!, u.id])),
    setDecision: async (_, decision) => {
      shown.push(decision);
      page.decision = decision.label;
      return "sha256:after-policy-os";
    },
    comment: async (_, text) => void comments.push(text),
    remind: unused,
    findPage: unused,
    createPage: unused,
    decidedPages: unused,
    replaceSummary: unused,
    isPageFault: () => false,
  };
  return { pages, shown, comments };
}

/** A pending escalation of a new tenant that manager or ops approve, made for `requested_for`, with its page. */
async function pendingEscalation(requested_for: string | null = "pat") {
  const { tenant, escalation } = await openRefundHold(
    refundHold(["manager", "ops"], { policy_ids: ["refund_over_limit"] }),
    { requested_for },
  );
  await env.DB.prepare("UPDATE escalations SET notion_page_id = ?, page_fingerprint = 'sha256:written' WHERE id = ?")
    .bind(PAGE_ID, escalation.id)
    .run();
  return { tenant, escalation };
}

type Signal = DecisionIntake["signal"];
const editBy = (...users: WorkspaceUser[]): Signal => ({
  source: "webhook",
  authors: users.map((user) => ({ id: user.id, type: user.type })),
  updated_properties: ["dec"],
});
/** The page as it stands after `user` set its Decision to `label`. */
const pageSetBy = (escalation_id: string, user: WorkspaceUser, label: string) => ({
  escalation_id,
  decision: label,
  decision_property_id: "dec",
  last_edited_by: user.id,
  fingerprint: "sha256:written",
});

/** Takes the decision a page shows, as the escalation's object would, recording ledger entries in `recorded`. */
async function take(
  target: { tenant: string; escalation_id: string; page_id?: string },
  workspace: ReturnType<typeof workspaceWith>,
  signal: Signal,
  now?: Date,
) {
  const recorded: LedgerEntryInput[] = [];
  const taken: IntakeResult = await takeDecision(
    env.DB,
    async () => workspace.pages,
    { tenant_id: target.tenant, escalation_id: target.escalation_id, page_id: target.page_id ?? PAGE_ID, signal },
    { record: async (entries) => void recorded.push(...entries), ...(now ? { now } : {}) },
  );
  return { taken, recorded };
}

describe("decisions by people who may not decide", () => {
  it.for([
    { name: "the agent's owner approving", user: rita, label: "Approved", why: /owns the agent/ },
    { name: "the agent's owner denying", user: rita, label: "Denied", why: /owns the agent/ },
    { name: "the person the agent acted for approving", user: pat, label: "Approved", why: /asked for this call/ },
    { name: "someone who is not an approver approving", user: nina, label: "Approved", why: /is not an approver/ },
    { name: "an approver setting Decision to Executed", user: maya, label: "Executed", why: /Only Approved or Denied/ },
    { name: "an approver setting Decision to Expired", user: olga, label: "Expired", why: /Only Approved or Denied/ },
  ])(
    "$name is refused: the page goes back to Pending with a comment, and nothing is recorded",
    async ({ user, label, why }) => {
      const { tenant, escalation } = await pendingEscalation();
      const workspace = workspaceWith(pageSetBy(escalation.id, user, label));
      const { taken, recorded } = await take({ tenant, escalation_id: escalation.id }, workspace, editBy(user));
      expect(taken).toMatchObject({ result: "refused", comment: expect.stringMatching(why) });
      expect(workspace.shown).toEqual([{ label: "Pending" }]);
      expect(workspace.comments).toEqual([(taken as { comment: string }).comment]);
      expect(recorded).toEqual([]);
      expect(await escalationRow(escalation.id)).toMatchObject({ status: "pending", decided_by: null });
    },
  );

  it("the person the agent acted for, named by email in another case, is refused", async () => {
    const { tenant, escalation } = await pendingEscalation("PAT@Example.com");
    const workspace = workspaceWith(pageSetBy(escalation.id, pat, "Approved"));
    const { taken } = await take({ tenant, escalation_id: escalation.id }, workspace, editBy(pat));
    expect(taken).toMatchObject({ result: "refused", comment: expect.stringMatching(/asked for this call/) });
    expect(await escalationRow(escalation.id)).toMatchObject({ status: "pending" });
  });

  it("an approval made in one edit by an approver and the agent's owner together is refused", async () => {
    const { tenant, escalation } = await pendingEscalation();
    const workspace = workspaceWith(pageSetBy(escalation.id, maya, "Approved"));
    const { taken, recorded } = await take({ tenant, escalation_id: escalation.id }, workspace, editBy(maya, rita));
    expect(taken).toMatchObject({ result: "refused", comment: expect.stringMatching(/2 authors/) });
    expect(recorded).toEqual([]);
    expect(await escalationRow(escalation.id)).toMatchObject({ status: "pending" });
  });

  it("an approval by an integration (a bot) is refused", async () => {
    const { tenant, escalation } = await pendingEscalation();
    const workspace = workspaceWith(pageSetBy(escalation.id, robot, "Approved"));
    const { taken } = await take({ tenant, escalation_id: escalation.id }, workspace, editBy(robot));
    expect(taken.result).toBe("refused");
    expect(await escalationRow(escalation.id)).toMatchObject({ status: "pending" });
  });

  it("an approval the poll sees on a page someone else edited since is not taken as anyone's", async () => {
    const { tenant, escalation } = await pendingEscalation();
    const workspace = workspaceWith({
      ...pageSetBy(escalation.id, maya, "Approved"),
      fingerprint: "sha256:owner-edited-the-page",
    });
    const { taken } = await take({ tenant, escalation_id: escalation.id }, workspace, { source: "poll" });
    expect(taken).toEqual({ result: "unattributed", decision: "approved" });
    expect(await escalationRow(escalation.id)).toMatchObject({ status: "pending", decided_by: null });
  });

  it("an event about another property of the page does not count as the approver's decision", async () => {
    const { tenant, escalation } = await pendingEscalation();
    const workspace = workspaceWith(pageSetBy(escalation.id, maya, "Approved"));
    const signal: Signal = {
      source: "webhook",
      authors: [{ id: maya.id, type: "person" }],
      updated_properties: ["title"],
    };
    expect((await take({ tenant, escalation_id: escalation.id }, workspace, signal)).taken).toEqual({
      result: "ignored",
      reason: "not_this_edit",
    });
    expect(await escalationRow(escalation.id)).toMatchObject({ status: "pending" });
  });
});

describe("decisions at the wrong time or for the wrong escalation", () => {
  it("two approvers deciding at once: one decision is recorded, once, and the other is told it is decided", async () => {
    const { tenant, escalation } = await pendingEscalation();
    const target = { tenant, escalation_id: escalation.id };
    const [first, second] = await Promise.all([
      take(target, workspaceWith(pageSetBy(escalation.id, maya, "Approved")), editBy(maya)),
      take(target, workspaceWith(pageSetBy(escalation.id, olga, "Denied")), editBy(olga)),
    ]);
    const results = [first.taken.result, second.taken.result].sort();
    expect(results).toEqual(["accepted", "not_pending"]);
    const winner = first.taken.result === "accepted" ? first : second;
    expect([...first.recorded, ...second.recorded]).toEqual(winner.recorded);
    expect(winner.recorded).toHaveLength(1);
    const row = await escalationRow(escalation.id);
    expect(row!.status).toBe((winner.taken as { decision: string }).decision);
  });

  it("a Denied set after the escalation was approved changes nothing, and the page shows Approved again", async () => {
    const { tenant, escalation } = await pendingEscalation();
    const target = { tenant, escalation_id: escalation.id };
    await take(target, workspaceWith(pageSetBy(escalation.id, maya, "Approved")), editBy(maya));
    const later = workspaceWith(pageSetBy(escalation.id, olga, "Denied"));
    const { taken, recorded } = await take(target, later, editBy(olga));
    expect(taken).toEqual({ result: "not_pending", status: "approved" });
    expect(recorded).toEqual([]);
    expect(later.shown.map((s) => s.label)).toEqual(["Approved"]);
    expect(await escalationRow(escalation.id)).toMatchObject({ status: "approved", decided_by: "manager@example.com" });
  });

  it("a Denied set after the approved call ran changes nothing, and the page shows Executed", async () => {
    const { tenant, escalation } = await pendingEscalation();
    await env.DB.prepare("UPDATE escalations SET status = 'executed', executed_at = ? WHERE id = ?")
      .bind(new Date().toISOString(), escalation.id)
      .run();
    const later = workspaceWith(pageSetBy(escalation.id, olga, "Denied"));
    const { taken } = await take({ tenant, escalation_id: escalation.id }, later, editBy(olga));
    expect(taken).toEqual({ result: "not_pending", status: "executed" });
    expect(later.shown.map((s) => s.label)).toEqual(["Executed"]);
    expect(await escalationRow(escalation.id)).toMatchObject({ status: "executed" });
  });

  it("an approval of an escalation past its expiry is not taken, and the page shows Expired", async () => {
    const { tenant, escalation } = await pendingEscalation();
    const workspace = workspaceWith(pageSetBy(escalation.id, maya, "Approved"));
    const { taken, recorded } = await take(
      { tenant, escalation_id: escalation.id },
      workspace,
      editBy(maya),
      new Date(Date.parse(escalation.expires_at) + 1000),
    );
    expect(taken).toEqual({ result: "not_pending", status: "expired" });
    expect(recorded).toEqual([]);
    expect(workspace.shown.map((s) => s.label)).toEqual(["Expired"]);
    expect(await escalationRow(escalation.id)).toMatchObject({ decided_by: null });
  });

  it("an approval taken for another tenant's escalation id is ignored, and that escalation stays pending", async () => {
    const { escalation } = await pendingEscalation();
    const { tenant: other } = await newTenant();
    const workspace = workspaceWith(pageSetBy(escalation.id, maya, "Approved"));
    const { taken } = await take({ tenant: other, escalation_id: escalation.id }, workspace, editBy(maya));
    expect(taken).toEqual({ result: "ignored", reason: "unknown_page" });
    expect(workspace.shown).toEqual([]);
    expect(await escalationRow(escalation.id)).toMatchObject({ status: "pending" });
  });

  it("an approval on a page that is not the escalation's is ignored", async () => {
    const { tenant, escalation } = await pendingEscalation();
    const workspace = workspaceWith(pageSetBy(escalation.id, maya, "Approved"));
    const other_page = "0f000000-0000-4000-8000-0000000000aa";
    const { taken } = await take(
      { tenant, escalation_id: escalation.id, page_id: other_page },
      workspace,
      editBy(maya),
    );
    expect(taken).toEqual({ result: "ignored", reason: "unknown_page" });
    expect(await escalationRow(escalation.id)).toMatchObject({ status: "pending" });
  });
});

describe("approved calls sent again in ways that must not run twice or run changed", () => {
  it.for([
    { name: "a larger amount", args: { ...bigRefund, amount_cents: 99_000 } },
    { name: "another customer", args: { ...bigRefund, customer_id: "cus_003" } },
    { name: "a different reason", args: { ...bigRefund, reason: "changed my mind" } },
  ])("a retry with $name after approval does not run under the approval", async ({ args }) => {
    const { client } = await refundDesk();
    const held = await call(client, "payments.create_refund", bigRefund);
    await decide(held.outcome.escalation_id!, "approved");
    const retry = await call(client, "payments.create_refund", args, { escalation_id: held.outcome.escalation_id });
    expect(retry.outcome.success).toBe(false);
    expect(retry.outcome.escalation_id).not.toBe(held.outcome.escalation_id);
    expect(await refundsMade(client)).toEqual([]);
    expect(await escalationRow(held.outcome.escalation_id!)).toMatchObject({ status: "approved", executed_at: null });
  });

  it("an approved call sent twice in one batch by an older client runs once", async () => {
    const { client, key } = await refundDesk();
    const held = await call(client, "payments.create_refund", bigRefund);
    await decide(held.outcome.escalation_id!, "approved");
    const params = { name: "payments.create_refund", arguments: bigRefund };
    const res = await rawMcp(
      JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "tools/call", params },
        { jsonrpc: "2.0", id: 2, method: "tools/call", params },
      ]),
      { authorization: `Bearer ${key}` },
    );
    const outcomes = ((await res.json()) as any[]).map((answer) => answer.result.structuredContent.outcome);
    expect(outcomes.sort()).toEqual(["denied", "succeeded"]);
    expect(await refundsMade(client)).toHaveLength(1);
  });

  it("an approved call replayed after it ran, naming its escalation, is denied and does not run again", async () => {
    const { client } = await refundDesk();
    const held = await call(client, "payments.create_refund", bigRefund);
    const escalation_id = held.outcome.escalation_id!;
    await decide(escalation_id, "approved");
    expect((await call(client, "payments.create_refund", bigRefund, { escalation_id })).outcome.success).toBe(true);
    const replay = await call(client, "payments.create_refund", bigRefund, { escalation_id });
    expect(replay.outcome).toMatchObject({ outcome: "denied", denial: { code: "approval_already_used" } });
    expect(await refundsMade(client)).toHaveLength(1);
  });

  it("a retry of a denied call does not run", async () => {
    const { client } = await refundDesk();
    const held = await call(client, "payments.create_refund", bigRefund);
    await decide(held.outcome.escalation_id!, "denied", "manager");
    const retry = await call(client, "payments.create_refund", bigRefund, {
      escalation_id: held.outcome.escalation_id,
    });
    expect(retry.outcome.success).toBe(false);
    expect(await refundsMade(client)).toEqual([]);
  });

  it("another agent of the same tenant sending the approved call does not run under the first agent's approval", async () => {
    const desk = await refundDesk();
    const held = await call(desk.client, "payments.create_refund", bigRefund);
    await decide(held.outcome.escalation_id!, "approved");
    const other = await admin("POST", `/agents?tenant=${desk.tenant}`, { name: "other-bot", owner: "ops" });
    const otherClient = await connect(other.body.api_key);
    const retry = await call(otherClient, "payments.create_refund", bigRefund, {
      escalation_id: held.outcome.escalation_id,
    });
    expect(retry.outcome.success).toBe(false);
    expect(retry.outcome.escalation_id).not.toBe(held.outcome.escalation_id);
    expect(await refundsMade(desk.client)).toEqual([]);
    expect(await escalationRow(held.outcome.escalation_id!)).toMatchObject({ status: "approved", executed_at: null });
  });
});

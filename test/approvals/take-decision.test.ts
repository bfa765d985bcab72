import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { takeDecision, type DecisionIntake } from "../../src/approvals/decisions";
import type { ApprovalPages, ApprovalPageState, ShownDecision, WorkspaceUser } from "../../src/approvals/ports";
import type { LedgerEntryInput } from "../../src/ledger/types";
import { escalationRow, openRefundHold, refundHold } from "./helpers";

const PAGE_ID = "0f000000-0000-4000-8000-00000000000f";
const maya: WorkspaceUser = { id: "u-maya", type: "person", name: "Maya Manager", email: "manager@example.com" };
const rita: WorkspaceUser = { id: "u-rita", type: "person", name: "Rita Requester", email: "requester@example.com" };

/** A workspace holding one Approvals page, in memory: what Policy OS writes to it is kept to be read back. */
function workspaceWith(page: Omit<ApprovalPageState, "page_id">) {
  const shown: ShownDecision[] = [];
  const comments: string[] = [];
  const unused = () => {
    throw new Error("taking a decision does not call this");
  };
  const pages: ApprovalPages = {
    read: async (page_id) => ({ ...page, page_id }),
    user: async (user_id) => [maya, rita].find((user) => user.id === user_id)!,
    people: async () =>
      new Map([
        [maya.email!.split("@")[0]!, maya.id],
        [rita.email!.split("@")[0]!, rita.id],
      ]),
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

/** A pending escalation of a new tenant, with its page, that `manager` approves; its agent's owner is `requester`. */
async function pendingEscalation() {
  const { tenant, escalation } = await openRefundHold(refundHold(["manager"]));
  await env.DB.prepare("UPDATE escalations SET notion_page_id = ?, page_fingerprint = 'sha256:written' WHERE id = ?")
    .bind(PAGE_ID, escalation.id)
    .run();
  const intake = (signal: DecisionIntake["signal"]): DecisionIntake => ({
    tenant_id: tenant,
    escalation_id: escalation.id,
    page_id: PAGE_ID,
    signal,
  });
  return { escalation, intake };
}

const approvedBy = (user: WorkspaceUser) => ({
  escalation_id: "",
  decision: "Approved",
  decision_property_id: "dec",
  last_edited_by: user.id,
  fingerprint: "sha256:written",
});
const editBy = (user: WorkspaceUser) =>
  ({ source: "webhook", authors: [{ id: user.id, type: "person" }], updated_properties: ["dec"] }) as const;

describe("taking a decision through the ApprovalPages port", () => {
  it("records an approver's decision, appends it to the ledger and shows who decided on the page", async () => {
    const { escalation, intake } = await pendingEscalation();
    const workspace = workspaceWith({ ...approvedBy(maya), escalation_id: escalation.id });
    const recorded: LedgerEntryInput[] = [];

    const taken = await takeDecision(env.DB, async () => workspace.pages, intake(editBy(maya)), {
      record: async (entries) => void recorded.push(...entries),
    });

    expect(taken).toEqual({ result: "accepted", decision: "approved", decided_by: "manager@example.com" });
    const row = await escalationRow(escalation.id);
    expect(row).toMatchObject({ status: "approved", decided_by: "manager@example.com", decided_by_user_id: maya.id });
    expect(recorded).toEqual([
      {
        kind: "escalation",
        invocation_id: null,
        body: {
          escalation_id: escalation.id,
          agent_id: escalation.agent_id,
          tool: "payments.create_refund",
          event: "decided",
          decision: "approved",
          decided_by: "manager@example.com",
          source: "webhook",
        },
      },
    ]);
    expect(workspace.shown).toEqual([{ label: "Approved", decided_at: row!.decided_at, decided_by_user_id: maya.id }]);
    expect(row).toMatchObject({ page_decision: "approved", page_fingerprint: "sha256:after-policy-os" });
  });

  it("puts the agent owner's approval back to Pending with a comment, and records nothing", async () => {
    const { escalation, intake } = await pendingEscalation();
    const workspace = workspaceWith({ ...approvedBy(rita), escalation_id: escalation.id });
    const recorded: LedgerEntryInput[] = [];

    const taken = await takeDecision(env.DB, async () => workspace.pages, intake(editBy(rita)), {
      record: async (entries) => void recorded.push(...entries),
    });

    const comment =
      "Rita Requester owns the agent that made this call and cannot approve it; an approver (manager) must decide.";
    expect(taken).toEqual({ result: "refused", comment });
    expect(workspace.shown).toEqual([{ label: "Pending" }]);
    expect(workspace.comments).toEqual([comment]);
    expect(recorded).toEqual([]);
    expect(await escalationRow(escalation.id)).toMatchObject({ status: "pending", page_decision: "pending" });
  });

  it("records a decision the poll cannot attribute, and asks an approver to set it again", async () => {
    const { escalation, intake } = await pendingEscalation();
    const workspace = workspaceWith({
      ...approvedBy(maya),
      escalation_id: escalation.id,
      fingerprint: "sha256:someone-else-edited",
    });
    const recorded: LedgerEntryInput[] = [];

    const taken = await takeDecision(env.DB, async () => workspace.pages, intake({ source: "poll" }), {
      record: async (entries) => void recorded.push(...entries),
    });

    expect(taken).toEqual({ result: "unattributed", decision: "approved" });
    expect(recorded).toMatchObject([
      { body: { event: "decision_unattributed", decision: "approved", last_edited_by: maya.id, source: "poll" } },
    ]);
    expect(workspace.shown).toEqual([{ label: "Pending" }]);
    expect(workspace.comments).toHaveLength(1);
    expect(await escalationRow(escalation.id)).toMatchObject({ status: "pending", unattributed_decision: "approved" });
  });

  it("ignores a page that is not the escalation's, and a tenant with no workspace", async () => {
    const { intake } = await pendingEscalation();
    const workspace = workspaceWith({ ...approvedBy(maya), escalation_id: "esc_someone_else" });
    const record = async () => undefined;

    expect(await takeDecision(env.DB, async () => workspace.pages, intake(editBy(maya)), { record })).toEqual({
      result: "ignored",
      reason: "unknown_page",
    });
    expect(await takeDecision(env.DB, async () => null, intake(editBy(maya)), { record })).toEqual({
      result: "ignored",
      reason: "no_connection",
    });
    expect(workspace.shown).toEqual([]);
  });

  it("shows Expired on the page of an escalation past its expiry, whatever the page says", async () => {
    const { escalation, intake } = await pendingEscalation();
    const workspace = workspaceWith({ ...approvedBy(maya), escalation_id: escalation.id });

    const taken = await takeDecision(env.DB, async () => workspace.pages, intake(editBy(maya)), {
      record: async () => undefined,
      now: new Date(Date.parse(escalation.expires_at) + 1000),
    });

    expect(taken).toEqual({ result: "not_pending", status: "expired" });
    expect(workspace.shown).toEqual([{ label: "Expired", decided_at: null, decided_by_user_id: null }]);
  });
});

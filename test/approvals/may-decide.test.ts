import { describe, expect, it } from "vitest";
import { mayDecide, type DecisionFacts, type MayDecide } from "../../src/approvals/may-decide";
import type { WorkspaceUser } from "../../src/approvals/ports";

const MAYA = "a0000000-0000-4000-8000-000000000001";
const OMAR = "a0000000-0000-4000-8000-000000000002";
const RITA = "a0000000-0000-4000-8000-000000000003";
const OWEN = "a0000000-0000-4000-8000-000000000004";

const maya: WorkspaceUser = { id: MAYA, type: "person", name: "Maya Manager", email: "manager@example.com" };
const omar: WorkspaceUser = { id: OMAR, type: "person", name: "Omar Ops", email: "ops@example.com" };
const rita: WorkspaceUser = { id: RITA, type: "person", name: "Rita Requester", email: "requester@example.com" };
const owen: WorkspaceUser = { id: OWEN, type: "person", name: "Owen Owner", email: "owner@example.com" };

/** The workspace's people by the names Policy OS gives them, as notionPeople reads them. */
const people: ReadonlyMap<string, string> = new Map(
  [maya, omar, rita, owen].flatMap((user) => [
    [user.name!, user.id],
    [user.email!, user.id],
    [user.email!.split("@")[0]!, user.id],
  ]),
);

/** The Decision property's id as the page names it, and as a webhook event names it (percent-encoded). */
const DECISION_ID = "a:B%";
const DECISION_ID_IN_EVENT = encodeURIComponent(DECISION_ID);

/** A pending escalation's page showing Approved, set by Maya alone in an edit the webhook saw. */
const base: DecisionFacts = {
  escalation: { approvers: ["manager"], requested_for: "requester", page_fingerprint: "sha256:written" },
  page: {
    decision: "Approved",
    decision_property_id: DECISION_ID,
    last_edited_by: MAYA,
    fingerprint: "sha256:written",
  },
  signal: { source: "webhook", authors: [{ id: MAYA, type: "person" }], updated_properties: [DECISION_ID_IN_EVENT] },
};

type Case = { name: string; facts: Partial<DecisionFacts>; verdict: MayDecide };

const webhook = (authors: { id: string; type: string }[], updated_properties = [DECISION_ID_IN_EVENT]) =>
  ({ source: "webhook", authors, updated_properties }) as const;
const poll = { source: "poll" } as const;
const shows = (decision: string | null) => ({ page: { ...base.page, decision } });

describe("mayDecide, before it knows who decided", () => {
  const unattributed = (decision: "approved" | "denied", shown: string, approvers = "manager"): MayDecide => ({
    verdict: "unattributed",
    decision,
    comment: `Decision was set to ${shown}, but Policy OS cannot tell who set it (the page was edited by someone else too, or not by a person), so it does not count and is back to Pending; an approver (${approvers}) should set it again.`,
  });
  const cases: Case[] = [
    { name: "a page still Pending", facts: shows("Pending"), verdict: { verdict: "ignored", reason: "undecided" } },
    { name: "a page with no Decision set", facts: shows(null), verdict: { verdict: "ignored", reason: "undecided" } },
    {
      name: "an edit that did not touch Decision",
      facts: { signal: webhook([{ id: MAYA, type: "person" }], ["title", "other%3Aid"]) },
      verdict: { verdict: "ignored", reason: "not_this_edit" },
    },
    {
      name: "an edit that changed no property at all",
      facts: { signal: webhook([{ id: MAYA, type: "person" }], []) },
      verdict: { verdict: "ignored", reason: "not_this_edit" },
    },
    {
      name: "a page without a Decision property, by webhook",
      facts: { page: { ...base.page, decision_property_id: null } },
      verdict: { verdict: "ignored", reason: "not_this_edit" },
    },
    {
      name: "a property id that differs only in case from Decision's",
      facts: { signal: webhook([{ id: MAYA, type: "person" }], [encodeURIComponent("A:b%")]) },
      verdict: { verdict: "ignored", reason: "not_this_edit" },
    },
    {
      name: "Decision's id as the page spells it, undecoded",
      facts: { signal: webhook([{ id: MAYA, type: "person" }], [DECISION_ID]) },
      verdict: { verdict: "identify", user_id: MAYA },
    },
    {
      name: "Decision's id with a malformed escape next to it",
      facts: { signal: webhook([{ id: MAYA, type: "person" }], ["%E0%A4%A", DECISION_ID_IN_EVENT]) },
      verdict: { verdict: "identify", user_id: MAYA },
    },
    {
      name: "a Decision only Policy OS sets (Executed)",
      facts: shows("Executed"),
      verdict: {
        verdict: "refused",
        comment: "Only Approved or Denied decide a request, and Policy OS sets Executed itself.",
      },
    },
    {
      name: "a Decision in another case (approved)",
      facts: shows("approved"),
      verdict: {
        verdict: "refused",
        comment: "Only Approved or Denied decide a request, and Policy OS sets approved itself.",
      },
    },
    {
      name: "an edit by two people",
      facts: {
        signal: webhook([
          { id: MAYA, type: "person" },
          { id: OMAR, type: "person" },
        ]),
      },
      verdict: {
        verdict: "refused",
        comment:
          "Policy OS cannot tell who set Decision to Approved (the edit has 2 authors), so an approver (manager) must set it alone.",
      },
    },
    {
      name: "an edit by a person and a bot",
      facts: {
        signal: webhook([
          { id: MAYA, type: "person" },
          { id: "bot-1", type: "bot" },
        ]),
      },
      verdict: {
        verdict: "refused",
        comment:
          "Policy OS cannot tell who set Decision to Approved (the edit has 2 authors), so an approver (manager) must set it alone.",
      },
    },
    {
      name: "an edit by a bot alone",
      facts: { signal: webhook([{ id: "bot-1", type: "bot" }]) },
      verdict: {
        verdict: "refused",
        comment:
          "Policy OS cannot tell who set Decision to Approved (the edit has 1 authors), so an approver (manager) must set it alone.",
      },
    },
    {
      name: "an edit with no authors, on an escalation naming no approver",
      facts: { signal: webhook([]), escalation: { ...base.escalation, approvers: [] } },
      verdict: {
        verdict: "refused",
        comment:
          "Policy OS cannot tell who set Decision to Approved (the edit has 0 authors), so an approver (none is named) must set it alone.",
      },
    },
    {
      name: "one person's edit seen by the webhook",
      facts: {},
      verdict: { verdict: "identify", user_id: MAYA },
    },
    {
      name: "the poll, when nothing but Decision changed since Policy OS wrote the page",
      facts: { signal: poll },
      verdict: { verdict: "identify", user_id: MAYA },
    },
    {
      name: "the poll, when the page's Decision property cannot be named (only the webhook needs it)",
      facts: { signal: poll, page: { ...base.page, decision_property_id: null } },
      verdict: { verdict: "identify", user_id: MAYA },
    },
    {
      name: "the poll, when someone edited something else on the page",
      facts: { signal: poll, page: { ...base.page, fingerprint: "sha256:edited" } },
      verdict: unattributed("approved", "Approved"),
    },
    {
      name: "the poll, when Policy OS never recorded what it wrote",
      facts: { signal: poll, escalation: { ...base.escalation, page_fingerprint: null } },
      verdict: unattributed("approved", "Approved"),
    },
    {
      name: "the poll, on a Denied page edited by someone else, with two approvers",
      facts: {
        signal: poll,
        page: { ...base.page, decision: "Denied", fingerprint: "sha256:edited" },
        escalation: { ...base.escalation, approvers: ["manager", "ops"] },
      },
      verdict: unattributed("denied", "Denied", "manager, ops"),
    },
  ];
  for (const { name, facts, verdict } of cases)
    it(`answers ${verdict.verdict} for ${name}`, () => {
      expect(mayDecide({ ...base, ...facts })).toEqual(verdict);
    });
});

describe("mayDecide, once it knows who decided", () => {
  const refused = (comment: string): MayDecide => ({ verdict: "refused", comment });
  const cases: (Case & { user: WorkspaceUser; agent_owner?: string | null })[] = [
    {
      name: "an approver named by their email's local part",
      user: maya,
      facts: {},
      verdict: { verdict: "allowed", decision: "approved", decided_by: "manager@example.com", user_id: MAYA },
    },
    {
      name: "an approver who denies, seen by the poll",
      user: maya,
      facts: { signal: poll, ...shows("Denied") },
      verdict: { verdict: "allowed", decision: "denied", decided_by: "manager@example.com", user_id: MAYA },
    },
    {
      name: "an approver named by their name, among several",
      user: omar,
      facts: { escalation: { ...base.escalation, approvers: ["Maya Manager", "Omar Ops"] } },
      verdict: { verdict: "allowed", decision: "approved", decided_by: "ops@example.com", user_id: OMAR },
    },
    {
      name: "an approver without an email, recorded by name",
      user: { ...maya, email: null },
      facts: {},
      verdict: { verdict: "allowed", decision: "approved", decided_by: "Maya Manager", user_id: MAYA },
    },
    {
      name: "an approver without an email or a name, recorded by id",
      user: { ...maya, email: null, name: null },
      facts: {},
      verdict: { verdict: "allowed", decision: "approved", decided_by: MAYA, user_id: MAYA },
    },
    {
      name: "a person who is not among the approvers",
      user: omar,
      facts: {},
      verdict: refused(
        "Omar Ops is not an approver of this request and cannot approve it; an approver (manager) must decide.",
      ),
    },
    {
      name: "an approver named in another case than the workspace knows them (names resolve exactly)",
      user: maya,
      facts: { escalation: { ...base.escalation, approvers: ["MANAGER"] } },
      verdict: refused(
        "Maya Manager is not an approver of this request and cannot approve it; an approver (MANAGER) must decide.",
      ),
    },
    {
      name: "an approver named by someone the workspace does not have",
      user: maya,
      facts: { escalation: { ...base.escalation, approvers: ["finance"] }, ...shows("Denied") },
      verdict: refused(
        "Maya Manager is not an approver of this request and cannot deny it; an approver (finance) must decide.",
      ),
    },
    {
      name: "the person the agent acted for, even when also an approver",
      user: rita,
      facts: { escalation: { ...base.escalation, approvers: ["ops", "manager", "requester"] } },
      verdict: refused(
        "Rita Requester asked for this call and cannot approve it; an approver (ops, manager, requester) must decide.",
      ),
    },
    {
      name: "the person the agent acted for, named by email in another case",
      user: rita,
      facts: { escalation: { ...base.escalation, approvers: ["requester"], requested_for: " Requester@Example.com " } },
      verdict: refused(
        "Rita Requester asked for this call and cannot approve it; an approver (requester) must decide.",
      ),
    },
    {
      name: "the person the agent acted for, named by name in another case, whom the workspace shares no email of",
      user: { ...rita, email: null },
      facts: { escalation: { ...base.escalation, approvers: ["requester"], requested_for: "rita requester" } },
      verdict: refused(
        "Rita Requester asked for this call and cannot approve it; an approver (requester) must decide.",
      ),
    },
    {
      name: "the agent's owner, even when also an approver",
      user: owen,
      agent_owner: "owner@example.com",
      facts: { escalation: { ...base.escalation, approvers: ["owner", "manager"] }, ...shows("Denied") },
      verdict: refused(
        "Owen Owner owns the agent that made this call and cannot deny it; an approver (owner, manager) must decide.",
      ),
    },
    {
      name: "the agent's owner, named by the local part of their email in another case",
      user: owen,
      agent_owner: "OWNER",
      facts: { escalation: { ...base.escalation, approvers: ["owner"] } },
      verdict: refused(
        "Owen Owner owns the agent that made this call and cannot approve it; an approver (owner) must decide.",
      ),
    },
    {
      name: "the agent's owner without a name, called by email",
      user: { ...owen, name: null },
      agent_owner: "owner",
      facts: { escalation: { ...base.escalation, approvers: ["owner"] } },
      verdict: refused(
        "owner@example.com owns the agent that made this call and cannot approve it; an approver (owner) must decide.",
      ),
    },
    {
      name: "a person the workspace gives neither name nor email",
      user: { id: OMAR, type: "person", name: null, email: null },
      facts: {},
      verdict: refused(
        "This person is not an approver of this request and cannot approve it; an approver (manager) must decide.",
      ),
    },
    {
      name: "an approver when the agent has an owner who is someone else",
      user: maya,
      agent_owner: "owner",
      facts: { escalation: { ...base.escalation, requested_for: null } },
      verdict: { verdict: "allowed", decision: "approved", decided_by: "manager@example.com", user_id: MAYA },
    },
    {
      name: "a user who is a bot, though the event called them a person",
      user: { id: MAYA, type: "bot", name: "Maya Manager", email: null },
      facts: {},
      verdict: {
        verdict: "unattributed",
        decision: "approved",
        comment:
          "Decision was set to Approved, but Policy OS cannot tell who set it (the page was edited by someone else too, or not by a person), so it does not count and is back to Pending; an approver (manager) should set it again.",
      },
    },
  ];
  for (const { name, facts, user, agent_owner = null, verdict } of cases)
    it(`answers ${verdict.verdict} for ${name}`, () => {
      // The user edited the page alone and last, as the webhook or the poll sees it.
      const merged = { ...base, signal: webhook([{ id: user.id, type: "person" }]), ...facts };
      const seen = { ...merged, page: { ...merged.page, last_edited_by: user.id } };
      expect(mayDecide(seen)).toEqual({ verdict: "identify", user_id: user.id });
      expect(mayDecide({ ...seen, decider: { user, people, agent_owner } })).toEqual(verdict);
    });

  it("still refuses what it refused before knowing who decided", () => {
    const facts = { ...base, ...shows("Expired") };
    expect(mayDecide({ ...facts, decider: { user: maya, people, agent_owner: null } })).toEqual(mayDecide(facts));
    expect(mayDecide(facts)).toMatchObject({ verdict: "refused" });
  });
});

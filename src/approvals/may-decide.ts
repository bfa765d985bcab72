import type { EscalationWithPage } from "./escalations";
import type { ApprovalPageState, WorkspaceUser } from "./ports";

/** What says who set a page's Decision: a webhook event (its authors and changed properties), or the poll. */
export type DecisionSignal =
  | { source: "webhook"; authors: readonly { id: string; type: string }[]; updated_properties: readonly string[] }
  | { source: "poll" };

/** Who the user that set the Decision is, looked up once {@link mayDecide} asks for them. */
export interface Decider {
  user: WorkspaceUser;
  /** The workspace's people by the names escalations give them (name, email, unique email local part) → user id. */
  people: ReadonlyMap<string, string>;
  /** Whom the agent's row names as its owner (null: nobody). */
  agent_owner: string | null;
}

/** Everything that says whether a Decision shown on a pending escalation's page counts. */
export interface DecisionFacts {
  escalation: Pick<EscalationWithPage, "approvers" | "requested_for" | "page_fingerprint">;
  page: Pick<ApprovalPageState, "decision" | "decision_property_id" | "last_edited_by" | "fingerprint">;
  signal: DecisionSignal;
  /** Absent until {@link mayDecide} answers `identify`. */
  decider?: Decider;
}

/**
 * Whether a Decision counts. `allowed`: record it as `decided_by`. `refused`: put the page back to Pending with
 * `comment`. `unattributed`: nobody can be said to have set it; record that, and put the page back to Pending with
 * `comment`. `ignored`: nothing to take from
 * this signal. `identify`: look up `user_id` as a {@link Decider} and ask again.
 */
export type MayDecide =
  | { verdict: "allowed"; decision: "approved" | "denied"; decided_by: string; user_id: string }
  | { verdict: "refused"; comment: string }
  | { verdict: "unattributed"; decision: "approved" | "denied"; comment: string }
  | { verdict: "ignored"; reason: "undecided" | "not_this_edit" }
  | { verdict: "identify"; user_id: string };

/**
 * Separation of duties, as a pure rule over a pending escalation's page. A Decision counts only when it is Approved
 * or Denied, was set by one person in an edit the webhook saw (or, for the poll, by the page's last editor when
 * nothing else on the page changed since Policy OS wrote it), and that person is one of the escalation's approvers
 * and neither the person the agent acted for nor the agent's owner.
 */
export function mayDecide(facts: DecisionFacts): MayDecide {
  const { escalation, page, signal, decider } = facts;
  const shown = page.decision ?? "Pending";
  if (shown === "Pending") return { verdict: "ignored", reason: "undecided" };
  // An event for another edit of the page says nothing about who set its Decision.
  if (signal.source === "webhook" && !changedDecision(page.decision_property_id, signal.updated_properties))
    return { verdict: "ignored", reason: "not_this_edit" };

  const approvers = `an approver (${escalation.approvers.join(", ") || "none is named"})`;
  const decision = shown === "Approved" ? "approved" : shown === "Denied" ? "denied" : null;
  if (!decision)
    return {
      verdict: "refused",
      comment: `Only Approved or Denied decide a request, and Policy OS sets ${shown} itself.`,
    };
  const verb = decision === "approved" ? "approve" : "deny";
  const unattributed: MayDecide = {
    verdict: "unattributed",
    decision,
    comment: `Decision was set to ${shown}, but Policy OS cannot tell who set it (the page was edited by someone else too, or not by a person), so it does not count and is back to Pending; ${approvers} should set it again.`,
  };

  let author: string | null;
  if (signal.source === "webhook") {
    const authors = signal.authors;
    author = authors.length === 1 && authors[0]!.type === "person" ? authors[0]!.id : null;
    if (!author)
      return {
        verdict: "refused",
        comment: `Policy OS cannot tell who set Decision to ${shown} (the edit has ${authors.length} authors), so ${approvers} must set it alone.`,
      };
  } else {
    // The poll sees only the page's last editor: that is who set Decision when nothing else on the page has changed
    // since Policy OS last wrote it.
    const untouched = escalation.page_fingerprint !== null && page.fingerprint === escalation.page_fingerprint;
    author = untouched ? page.last_edited_by : null;
    if (!author) return unattributed;
  }
  if (!decider) return { verdict: "identify", user_id: author };

  const { user, people, agent_owner } = decider;
  if (user.type !== "person") return unattributed;
  const who = user.name ?? user.email ?? "This person";
  const refused = (why: string): MayDecide => ({
    verdict: "refused",
    comment: `${who} ${why} and cannot ${verb} it; ${approvers} must decide.`,
  });
  if (escalation.requested_for && isThePerson(escalation.requested_for, user, people))
    return refused("asked for this call");
  if (agent_owner && isThePerson(agent_owner, user, people)) return refused("owns the agent that made this call");
  if (!escalation.approvers.some((approver) => people.get(approver) === user.id))
    return refused("is not an approver of this request");
  return { verdict: "allowed", decision, decided_by: user.email ?? user.name ?? user.id, user_id: user.id };
}

/** Whether an edit's changed property ids include the page's Decision (ids compare decoded: Notion encodes them). */
function changedDecision(decision_property_id: string | null, updated: readonly string[]): boolean {
  if (!decision_property_id) return false;
  const decoded = (value: string) => {
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  };
  return updated.some((changed) => decoded(changed) === decoded(decision_property_id));
}

/**
 * Whether a name an escalation or agent gives a person (a name, an email, or an email's local part) is this user.
 * Matching is generous on purpose: it only ever refuses a decision.
 */
function isThePerson(handle: string, user: WorkspaceUser, people: ReadonlyMap<string, string>): boolean {
  if (people.get(handle) === user.id) return true;
  const wanted = handle.trim().toLowerCase();
  const names = [user.name, user.email, user.email?.split("@")[0] ?? null];
  return names.some((name) => name !== null && name.trim().toLowerCase() === wanted);
}

/**
 * The facts about a call's caller that policies, caps and approvals rely on, verified once per call: the person the
 * agent acts for, the workspace, and the run. What the caller sent in `_meta` is a claim; it becomes a fact only
 * when the proof (an OAuth token) or the agent's row (its Acts for and Workspaces) backs it, and a run id only when
 * Policy OS minted it for this agent. A claim that nothing backs refuses the call; it is never replaced.
 */
import type { Principal } from "../db/tenancy";
import type { CallerRecord } from "../ledger";
import type { RunCheck } from "../runs/run-ids";

export type { CallerRecord };

/** How the person acted for was verified: the token's subject, the agent's Acts for, or its owner by default. */
export type PersonVerifiedBy = CallerRecord["person_verified_by"];

/** The verified facts of one call. */
export interface CallerFacts {
  /** The person the agent acts for: what `Users` policies and separation of duties see. */
  user: string | null;
  workspace: string | null;
  /** A run id minted for this agent and not expired; null when the call names none. */
  run_id: string | null;
  record: CallerRecord;
}

/** The `_meta` claims, as sent: absent (undefined), or any JSON value. */
export interface CallerClaims {
  on_behalf_of?: unknown;
  workspace?: unknown;
  run_id?: unknown;
}

/** Why a claim was refused: a reason code and a sentence for the agent. */
export interface CallerRefusal {
  code: "on_behalf_of_mismatch" | "not_acting_for" | "workspace_not_allowed" | "unknown_run";
  message: string;
}

/** The claims a call makes, read from its `_meta` (a key that is absent stays absent). */
export function callerClaims(meta: Record<string, unknown>): CallerClaims {
  const claim = (key: keyof CallerClaims) => (Object.hasOwn(meta, key) ? { [key]: meta[key] } : {});
  return { ...claim("on_behalf_of"), ...claim("workspace"), ...claim("run_id") };
}

/**
 * The call's verified facts, or why its claims are refused. `run` is the check of the sent run id (null when none
 * was sent). Rules: with a token, the person is the token's and `on_behalf_of` may only repeat it; with an API key,
 * the person is the agent's owner unless `on_behalf_of` names someone in its Acts for; a workspace must be in its
 * Workspaces (none may be named when the list is empty); a run id must be minted for this agent and unexpired.
 * A person is named as policies and approvals name people: by name or email, or by an email's local part when only
 * one listed email has it; case and surrounding spaces do not count. The fact keeps the row's (or token's)
 * spelling, so a `Users` policy sees one spelling per person whichever the caller sent.
 */
export function callerFacts(
  principal: Principal,
  claims: CallerClaims,
  run: RunCheck | null,
): { ok: true; facts: CallerFacts } | { ok: false; refusal: CallerRefusal } {
  const { agent } = principal;
  const proof = principal.proof ?? { via: "key" as const };
  const refuse = (code: CallerRefusal["code"], message: string) => ({ ok: false as const, refusal: { code, message } });

  const asked = claimed(claims.on_behalf_of);
  let person: string | null;
  let verified_by: PersonVerifiedBy;
  if (asked === invalid)
    return refuse("not_acting_for", "_meta.on_behalf_of must be a person's name or email (1 to 200 characters).");
  if (proof.via === "token") {
    if (asked !== null && personIn(asked, [proof.person]) === undefined)
      return refuse(
        "on_behalf_of_mismatch",
        `This call's token was issued for ${proof.person}; _meta.on_behalf_of may not name anyone else.`,
      );
    person = proof.person;
    verified_by = "token";
  } else if (asked === null) {
    person = agent.owner;
    verified_by = agent.owner === null ? "none" : "owner";
  } else if (agent.owner !== null && personIn(asked, [agent.owner]) !== undefined) {
    person = agent.owner;
    verified_by = "owner";
  } else {
    const listed = personIn(asked, agent.acts_for);
    if (listed === undefined)
      return refuse(
        "not_acting_for",
        `Agent ${agent.name} may not act for the person in _meta.on_behalf_of: its Acts for names ` +
          `${agent.acts_for.length > 0 ? "other people" : "nobody besides its owner"}.`,
      );
    person = listed;
    verified_by = "acts_for";
  }

  const named = claimed(claims.workspace);
  let workspace: string | null = null;
  if (named !== null) {
    const listed = named === invalid ? undefined : agent.workspaces.find((name) => sameName(named, name));
    if (listed === undefined)
      return refuse(
        "workspace_not_allowed",
        agent.workspaces.length > 0
          ? `Agent ${agent.name} may not work in the workspace in _meta.workspace; its Workspaces are ${agent.workspaces.join(", ")}.`
          : `Agent ${agent.name} has no Workspaces, so it may not name one in _meta.workspace.`,
      );
    workspace = listed;
  }

  const run_id = claimed(claims.run_id);
  if (run_id === invalid || (run_id !== null && !run?.ok))
    return refuse(
      "unknown_run",
      run?.ok === false && run.why === "expired"
        ? "The run in _meta.run_id has expired; start a new one with governance.start_run."
        : "_meta.run_id is not a run Policy OS started for this agent; start one with governance.start_run.",
    );

  return {
    ok: true,
    facts: {
      user: person,
      workspace,
      run_id,
      record: { via: proof.via, person, person_verified_by: verified_by, workspace, run: run_id ? "minted" : "none" },
    },
  };
}

/** A claim that is present but unusable (not a string of 1 to 200 characters): refused, never ignored. */
const invalid = Symbol("invalid");

/** A claim as sent: null when absent (or JSON null), the string, or {@link invalid}. */
function claimed(value: unknown): string | null | typeof invalid {
  if (value === undefined || value === null) return null;
  return typeof value === "string" && value.trim().length > 0 && value.length <= 200 ? value : invalid;
}

/** The name in `listed` that `asked` names: the same name or email, or the local part of exactly one listed email. */
function personIn(asked: string, listed: readonly string[]): string | undefined {
  const same = listed.find((name) => sameName(asked, name));
  if (same !== undefined) return same;
  const byHandle = listed.filter((name) => name.includes("@") && sameName(asked, name.slice(0, name.lastIndexOf("@"))));
  return byHandle.length === 1 ? byHandle[0] : undefined;
}

/** Whether two names of a person or workspace are the same: equal without regard to case or surrounding spaces. */
function sameName(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

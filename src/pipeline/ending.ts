/** How a call ends, as a value: the stage that ends it says what the record stage writes and answers. */
import type { ContentBlock } from "@modelcontextprotocol/sdk/types.js";
import type { Escalation } from "../approvals/escalations";
import type { GuardHit } from "../guards/screen";
import type { JsonValue } from "../ledger/canonical";
import type { LedgerEntryInput } from "../ledger/types";
import type { CallState, Verdict } from "./call-state";
import type { CallError, Denial, Outcome } from "./outcome";

/** The outcome fields a stage decides; the record stage adds ids, the decision and the times. */
export type OutcomeFields = Pick<
  Outcome,
  "outcome" | "status" | "success" | "data" | "error" | "denial" | "escalation_id"
>;

/** What the host's run adds to the records. */
export interface HostRun {
  /** The decision entry appended before the host ran (so the record stage does not append it again). */
  decision_entry_id: string;
  host_ref: string;
  cost_cents: number | null;
  /** Content guards that checked the host's result and were hit. */
  result_guards?: GuardHit[];
}

/** How a call ends: refused, held, failed, invalid, or run. */
export interface Ending {
  kind: "end";
  /** What was known about the call when it ended. */
  state: CallState;
  verdict: Verdict;
  result: OutcomeFields;
  /** The escalation the decision entry names (the one the call waits on, was refused by, or ran under). */
  escalation?: Escalation;
  /** Escalation events recorded between the decision and the outcome. */
  entries?: LedgerEntryInput[];
  /** Set when the host ran. */
  ran?: HostRun;
  /** Said instead of the outcome's usual sentence. */
  sentence?: string;
  /** The content blocks the host returned, as the result guards let them through (a succeeded upstream call). */
  content?: ContentBlock[];
}

/** What a stage hands on: the state for the next stage, or how the call ends. */
export type Step<S> = { kind: "next"; state: S } | Ending;

type EndingDetails = Pick<Ending, "escalation" | "entries" | "ran" | "sentence" | "content">;

/** Hands `state` to the next stage. */
export function next<S>(state: S): Step<S> {
  return { kind: "next", state };
}

/** Ends the call with `result`. */
export function end(state: CallState, verdict: Verdict, result: OutcomeFields, details: EndingDetails = {}): Ending {
  return { kind: "end", state, verdict, result, ...details };
}

/** Ends an invalid call: nothing was decided and nothing ran. */
export function invalid(state: CallState, code: string, message: string, details?: Record<string, JsonValue>): Ending {
  const error: CallError = { code, message, retryable: false, ...(details ? { details } : {}) };
  return end(state, "invalid", { ...nothing, outcome: "invalid", status: "invalid", error });
}

/** Ends a call a policy, guard, cap or approval refused; `escalation` when one refused it. */
export function denied(state: CallState, denial: Denial, escalation?: Escalation, details: EndingDetails = {}): Ending {
  const result: OutcomeFields = {
    ...nothing,
    outcome: "denied",
    status: "denied",
    denial,
    escalation_id: escalation?.id ?? null,
  };
  return end(state, "denied", result, { ...(escalation ? { escalation } : {}), ...details });
}

/** Ends a call that failed: a fault of ours or the host's, or a result a guard withheld. */
export function failed(
  state: CallState,
  verdict: Verdict,
  error: CallError,
  escalation_id: string | null = null,
  details: EndingDetails = {},
): Ending {
  return end(state, verdict, { ...nothing, outcome: "failed", status: "failed", error, escalation_id }, details);
}

const nothing = { success: false, data: null, error: null, denial: null, escalation_id: null } as const;

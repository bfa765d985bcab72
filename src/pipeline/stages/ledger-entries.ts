/** The two ledger entries every call leaves: what was decided, and how it came out. Each is built here only. */
import type { Escalation } from "../../approvals/escalations";
import { decisionEntry as decisionEntryOf, hashOf, outcomeEntry as outcomeEntryOf } from "../../ledger";
import type { LedgerEntryInput } from "../../ledger/types";
import { recordable, type CallState, type Verdict } from "../call-state";
import type { CallerRecord } from "../caller-facts";
import type { Ending } from "../ending";

/**
 * The `decision` entry: the verdict, the policies and snapshot behind it, what the guards found and the budget
 * reserved, and the escalation it names (an approval it ran under names its approver).
 */
export function decisionEntry(state: CallState, verdict: Verdict, escalation?: Escalation): LedgerEntryInput {
  const { decision, call } = state;
  return decisionEntryOf(state.invocation_id, {
    agent_id: call.principal.agent.id,
    tool: state.name,
    capability_version: state.descriptor?.version ?? null,
    args_hash: state.args_hash,
    decision: verdict,
    reason_code: decision?.reason_code ?? "invalid",
    policy_ids: decision?.policy_ids ?? [],
    policy_count: decision?.policy_count ?? 0,
    snapshot: decision?.snapshot ?? call.snapshot.hash,
    shadow: decision?.shadow ?? [],
    alerts: decision?.alerts ?? [],
    condition_errors: decision?.condition_errors ?? [],
    tags: decision?.tags ?? [],
    redactions: state.screening?.redactions ?? [],
    guards: state.screening?.hits ?? [],
    budget: state.budget.map(({ policy_id, scope, subject, window, unit, amount, limit }) => ({
      policy_id,
      scope,
      subject,
      window,
      unit,
      amount,
      limit,
    })),
    escalation_id: escalation?.id ?? null,
    ...(verdict === "authorized" && escalation ? { approved_by: escalation.decided_by } : {}),
    client_id: state.client_id,
    ...(state.caller ? { caller: callerRecord(state.caller.record) } : {}),
    correlation: state.correlation,
  });
}

/** How the caller's facts were verified, as the ledger keeps it: the person redacted like every recorded string. */
function callerRecord(record: CallerRecord): CallerRecord {
  return {
    ...record,
    person: record.person === null ? null : recordable(record.person),
    workspace: record.workspace === null ? null : recordable(record.workspace),
  };
}

/** The `outcome` entry: how the call ended; the host's data only as its hash. */
export async function outcomeEntry(ending: Ending): Promise<LedgerEntryInput> {
  const { result, ran } = ending;
  return outcomeEntryOf(ending.state.invocation_id, {
    outcome: result.outcome,
    status: result.status,
    error_code: result.error?.code ?? null,
    denial_code: result.denial?.code ?? null,
    escalation_id: result.escalation_id,
    host_ref: ran?.host_ref ?? null,
    // The adapter only lets through results within MAX_RESULT_DEPTH and without non-finite numbers, so hashing
    // succeeds; the fallback keeps the outcome entry should that ever break.
    data_hash: result.success ? await hashOf(result.data).catch(() => "unhashable") : null,
    ...(ran?.result_guards ? { guards: ran.result_guards } : {}),
  });
}

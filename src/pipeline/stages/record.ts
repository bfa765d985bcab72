import type { AuditRow } from "../../db/audit";
import type { ToolCallResult } from "../call-state";
import type { Ending } from "../ending";
import { deferSafely, describeFault } from "../fault";
import type { Outcome } from "../outcome";
import { recordOutcomeLater } from "../outcome-later";
import type { PipelineDeps } from "../ports";
import { sentenceFor } from "../sentence";
import type { Stopwatch } from "../stopwatch";
import { decisionEntry, outcomeEntry } from "./ledger-entries";

type RecordDeps = Pick<PipelineDeps, "ledger" | "audit" | "now" | "defer" | "approvalUsed" | "outbox" | "wait">;

/**
 * Record, for every call however it ended: its decision entry (unless the adapter appended it before the host
 * ran), escalation events and outcome entry on the ledger, awaited; then the audit row, after the response. A
 * ledger that refuses the entries leaves the outcome without their evidence ids, never without an answer; when the
 * host ran, its decision is on the ledger already, so its outcome is recorded later (outcome-later.ts) and the
 * answer says so.
 */
export async function record(deps: RecordDeps, ending: Ending, watch: Stopwatch): Promise<ToolCallResult> {
  const { state, verdict, result, ran } = ending;
  const { call, invocation_id, decision } = state;
  const tenant_id = call.principal.tenant.id;
  const entries = [
    ...(ran ? [] : [decisionEntry(state, verdict, ending.escalation)]),
    ...(ending.entries ?? []),
    await outcomeEntry(ending),
  ];
  let evidence_ids = ran ? [ran.decision_entry_id] : [];
  let recordedLater = false;
  try {
    const appended = await deps.ledger(tenant_id).append(tenant_id, entries);
    evidence_ids = [...evidence_ids, ...appended.map((entry) => entry.id)];
  } catch (error) {
    console.error(`ledger append failed for ${invocation_id}: ${describeFault(error)}`);
    // A decision on the ledger must get its outcome. The append may have been stored with its reply lost; the
    // ledger appends an invocation's outcome once, so retrying the same entries is safe.
    if (ran) {
      const pending = { tenant_id, invocation_id, entries, created_at: deps.now().toISOString() };
      deferSafely(deps, `outcome of ${invocation_id} not recorded`, () => recordOutcomeLater(deps, pending));
      recordedLater = true;
    }
  }
  const outcome: Outcome = {
    invocation_id,
    capability_id: state.name,
    capability_version: state.descriptor?.version ?? null,
    correlation: state.correlation,
    ...result,
    decision: {
      decision: verdict,
      reason_code: decision?.reason_code ?? result.error?.code ?? "invalid",
      policy_ids: decision?.policy_ids ?? [],
      snapshot: decision?.snapshot ?? call.snapshot.hash,
    },
    evidence_ids,
    started_at: state.started_at,
    completed_at: deps.now().toISOString(),
  };
  watch.lap("audit");
  deferSafely(deps, `audit row failed for ${invocation_id}`, () =>
    deps.audit.writeAudit(auditRow(ending, outcome, watch)),
  );
  const used = ran ? state.approval : null;
  if (used) deferSafely(deps, `page of escalation ${used.id} still shows Approved`, () => deps.approvalUsed(used));
  const sentence = ending.sentence ?? sentenceFor(outcome, decision);
  return {
    outcome,
    sentence: recordedLater ? `${sentence} ${OUTCOME_RECORDED_LATER}` : sentence,
    ...(ending.content ? { content: ending.content } : {}),
  };
}

/** What the answer adds when the ledger refused the outcome of a call that ran: it is recorded after the answer. */
export const OUTCOME_RECORDED_LATER =
  "Its outcome is still being recorded on the ledger; evidence_ids lists what is recorded so far.";

/** The call's operational audit row. */
function auditRow({ state, ran }: Ending, outcome: Outcome, watch: Stopwatch): AuditRow {
  const { call } = state;
  return {
    invocation_id: outcome.invocation_id,
    tenant_id: call.principal.tenant.id,
    agent_id: call.principal.agent.id,
    tool: state.name,
    capability_version: outcome.capability_version,
    client_id: state.client_id,
    decision: outcome.decision.decision,
    reason_code: outcome.decision.reason_code,
    policy_ids: outcome.decision.policy_ids,
    snapshot: outcome.decision.snapshot,
    outcome: outcome.outcome,
    status: outcome.status,
    escalation_id: outcome.escalation_id,
    error_code: outcome.error?.code ?? outcome.denial?.code ?? null,
    cost_cents: ran?.cost_cents ?? null,
    host_ref: ran?.host_ref ?? null,
    latency_ms: watch.latency,
    total_ms: watch.total(),
    correlation: state.correlation,
    evidence_ids: outcome.evidence_ids,
    args_hash: state.args_hash,
    shadow: state.decision?.shadow ?? [],
    created_at: state.started_at,
  };
}

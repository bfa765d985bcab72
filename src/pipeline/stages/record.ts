import type { AuditRow } from "../../db/audit";
import type { ToolCallResult } from "../call-state";
import type { Ending } from "../ending";
import { decisionInputOf } from "../decision-input";
import { deferSafely, describeFault } from "../fault";
import type { Outcome } from "../outcome";
import { recordOutcomeLater } from "../outcome-later";
import type { CallAlert, PipelineDeps } from "../ports";
import { sentenceFor } from "../sentence";
import type { Stopwatch } from "../stopwatch";
import { decisionEntry, outcomeEntry } from "./ledger-entries";

type RecordDeps = Pick<
  PipelineDeps,
  "ledger" | "audit" | "decisionInputs" | "now" | "defer" | "approvalUsed" | "alerted" | "outbox" | "wait"
>;

/**
 * Record, for every call however it ended: its decision entry (unless the adapter appended it before the host
 * ran), escalation events and outcome entry on the ledger, awaited; then the audit row and the decision input kept
 * for replay, after the response. A
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
    evidence_ids = [...evidence_ids, ...(await deps.ledger(tenant_id).append(tenant_id, entries))];
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
      policy_count: decision?.policy_count ?? 0,
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
  // Built after the response too: a denial before the guards ran has its arguments redacted here, off the hot path.
  deferSafely(deps, `decision input of ${invocation_id} not kept`, async () => {
    const input = decisionInputOf(state, verdict);
    if (input) await deps.decisionInputs.keep(input);
  });
  const used = ran ? state.approval : null;
  if (used) deferSafely(deps, `page of escalation ${used.id} still shows Approved`, () => deps.approvalUsed(used));
  const alert = alertOf(state, outcome);
  if (alert) deferSafely(deps, `alert of ${invocation_id} not sent`, () => deps.alerted(alert));
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

/** The alert the call raised when Active alert rows matched it (decide's, its guards' and its caps'), else null. */
function alertOf(state: Ending["state"], outcome: Outcome): CallAlert | null {
  const ids = state.decision?.alerts ?? [];
  if (ids.length === 0) return null;
  const rows = state.call.snapshot.policies.filter((policy) => ids.includes(policy.policy_id));
  if (rows.length === 0) return null;
  return {
    tenant_id: state.call.principal.tenant.id,
    invocation_id: outcome.invocation_id,
    tool: state.name,
    agent: { id: state.call.principal.agent.id, name: state.call.principal.agent.name },
    policies: rows.map((policy) => ({
      policy_id: policy.policy_id,
      name: policy.name,
      channels: policy.channels ?? [],
    })),
    outcome: outcome.outcome,
    reason_code: outcome.decision.reason_code,
    arguments: state.screening?.recorded ?? null,
    at: outcome.completed_at,
  };
}

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
    policy_count: outcome.decision.policy_count,
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

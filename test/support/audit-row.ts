import type { AuditRow } from "../../src/db/audit";

/** An audit row as the record stage writes it for a succeeded, unguarded call; `fields` set what a test cares about. */
export function auditRow(
  fields: Pick<AuditRow, "invocation_id" | "tenant_id" | "agent_id" | "tool"> & Partial<AuditRow>,
): AuditRow {
  return {
    capability_version: null,
    client_id: null,
    decision: "authorized",
    reason_code: "default_allow",
    policy_ids: [],
    policy_count: 0,
    snapshot: null,
    outcome: "succeeded",
    status: "authorized",
    escalation_id: null,
    error_code: null,
    cost_cents: null,
    host_ref: null,
    latency_ms: { validate: 0, policy: 0, approval: 0, adapter: 0, audit: 0 },
    total_ms: 1,
    correlation: { correlation_id: null, session_id: null, run_id: null },
    evidence_ids: [],
    args_hash: null,
    created_at: new Date().toISOString(),
    ...fields,
  };
}

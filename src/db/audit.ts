/** The operational audit log in D1 (`audit_log`): one row per tools/call, written after the response. */
import type { ShadowResult } from "../policy/types";

/** Milliseconds spent in each pipeline stage. */
export interface StageLatency {
  validate: number;
  policy: number;
  approval: number;
  adapter: number;
  audit: number;
}

/** The operational record of one tools/call (one row in D1 `audit_log`). */
export interface AuditRow {
  invocation_id: string;
  tenant_id: string;
  agent_id: string;
  tool: string;
  capability_version: string | null;
  client_id: string | null;
  decision: string;
  reason_code: string;
  /** The policies that decided, strongest first, at most DECIDING_LIST_LIMIT (src/policy/types.ts). */
  policy_ids: string[];
  /** How many policies decided: more than `policy_ids` lists when the list is cut. */
  policy_count: number;
  snapshot: string | null;
  /** The outcome contract's `outcome` and `status` (see src/pipeline/outcome.ts). */
  outcome: string;
  status: string;
  escalation_id: string | null;
  error_code: string | null;
  cost_cents: number | null;
  host_ref: string | null;
  latency_ms: StageLatency;
  total_ms: number;
  correlation: { correlation_id: string | null; session_id: string | null; run_id: string | null };
  evidence_ids: string[];
  args_hash: string | null;
  /** What Shadow policies would have done to the call (none when omitted). */
  shadow?: ShadowResult[];
  created_at: string;
  /** Listed rows only: set when the call's escalation was decided by break-glass (who, when, the redacted reason). */
  break_glass?: { decided_by: string; decided_at: string; reason: string };
}

/** Inserts one audit row (its list and object fields as JSON text). */
export async function insertAuditRow(db: D1Database, row: AuditRow): Promise<void> {
  await auditRowStatement(db, row).run();
}

/** The statement that inserts one audit row, to run alone or in a batch (src/db/writes-together.ts). */
export function auditRowStatement(db: D1Database, row: AuditRow): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO audit_log (invocation_id, tenant_id, agent_id, tool, capability_version, client_id, decision,
         reason_code, policy_ids, policy_count, snapshot, outcome, status, escalation_id, error_code, cost_cents,
         host_ref, latency_ms, total_ms, correlation, evidence_ids, args_hash, shadow, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      row.invocation_id,
      row.tenant_id,
      row.agent_id,
      row.tool,
      row.capability_version,
      row.client_id,
      row.decision,
      row.reason_code,
      JSON.stringify(row.policy_ids),
      row.policy_count,
      row.snapshot,
      row.outcome,
      row.status,
      row.escalation_id,
      row.error_code,
      row.cost_cents,
      row.host_ref,
      JSON.stringify(row.latency_ms),
      row.total_ms,
      JSON.stringify(row.correlation),
      JSON.stringify(row.evidence_ids),
      row.args_hash,
      JSON.stringify(row.shadow ?? []),
      row.created_at,
    );
}

const jsonColumns = ["policy_ids", "latency_ms", "correlation", "evidence_ids", "shadow"] as const;

/** Lists a tenant's audit rows, newest first, with optional filters (admin); a break-glass decision is named on its call's rows. */
export async function listAuditRows(
  db: D1Database,
  tenant_id: string,
  filter: { tool?: string; outcome?: string; agent_id?: string; before?: string; limit: number },
): Promise<AuditRow[]> {
  const { results } = await db
    .prepare(
      `SELECT a.*, e.decided_by AS bg_decided_by, e.decided_at AS bg_decided_at, e.decision_reason AS bg_reason
         FROM audit_log a
         LEFT JOIN escalations e ON e.id = a.escalation_id AND e.tenant_id = a.tenant_id AND e.decided_via = 'break_glass'
        WHERE a.tenant_id = ?1 AND (?2 IS NULL OR a.tool = ?2) AND (?3 IS NULL OR a.outcome = ?3)
          AND (?4 IS NULL OR a.agent_id = ?4) AND (?5 IS NULL OR a.created_at < ?5)
        ORDER BY a.created_at DESC, a.invocation_id LIMIT ?6`,
    )
    .bind(
      tenant_id,
      filter.tool ?? null,
      filter.outcome ?? null,
      filter.agent_id ?? null,
      filter.before ?? null,
      filter.limit,
    )
    .all<Record<string, unknown>>();
  return results.map(({ bg_decided_by, bg_decided_at, bg_reason, ...row }) => {
    const parsed: Record<string, unknown> = { ...row };
    for (const column of jsonColumns) parsed[column] = JSON.parse(String(row[column]));
    // Rows written before the count was kept listed every deciding policy.
    parsed.policy_count ??= (parsed.policy_ids as string[]).length;
    if (typeof bg_decided_at === "string")
      parsed.break_glass = { decided_by: bg_decided_by, decided_at: bg_decided_at, reason: bg_reason };
    return parsed as unknown as AuditRow;
  });
}

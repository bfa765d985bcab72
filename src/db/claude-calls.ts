/** One Claude call as `claude_calls` records it: tokens, cost and outcome, never the prompt or the answer. */
export interface ClaudeCallRecord {
  id: string;
  tenant_id: string;
  purpose: string;
  /** What the call was about: an escalation id, a week, an invocation id. */
  subject: string;
  model: string;
  /** `ok`, or why Claude gave no usable answer. */
  outcome: string;
  input_tokens: number;
  output_tokens: number;
  cost_microusd: number;
  latency_ms: number;
  error: string | null;
  created_at: string;
}

/** Records one Claude call. */
export async function recordClaudeCall(db: D1Database, call: ClaudeCallRecord): Promise<void> {
  await db
    .prepare(
      `INSERT INTO claude_calls (id, tenant_id, purpose, subject, model, outcome, input_tokens, output_tokens,
         cost_microusd, latency_ms, error, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      call.id,
      call.tenant_id,
      call.purpose,
      call.subject,
      call.model,
      call.outcome,
      call.input_tokens,
      call.output_tokens,
      call.cost_microusd,
      call.latency_ms,
      call.error,
      call.created_at,
    )
    .run();
}

/**
 * The tenant's monthly Claude cap (`tenants.claude_monthly_cap_cents`) and what its calls cost since `since`, in
 * millionths of a dollar; null when there is no such tenant.
 */
export async function claudeSpendSince(
  db: D1Database,
  tenant_id: string,
  since: string,
): Promise<{ cap_cents: number; spent: number } | null> {
  return db
    .prepare(
      `SELECT t.claude_monthly_cap_cents AS cap_cents,
              (SELECT COALESCE(SUM(cost_microusd), 0) FROM claude_calls
                WHERE tenant_id = t.id AND created_at >= ?2) AS spent
         FROM tenants t WHERE t.id = ?1`,
    )
    .bind(tenant_id, since)
    .first<{ cap_cents: number; spent: number }>();
}

/** The tenant's latest Claude calls, newest first, as GET /admin/claude lists them. */
export async function latestClaudeCalls(
  db: D1Database,
  tenant_id: string,
  limit: number,
): Promise<Omit<ClaudeCallRecord, "id" | "tenant_id">[]> {
  const { results } = await db
    .prepare(
      `SELECT purpose, subject, model, outcome, input_tokens, output_tokens, cost_microusd, latency_ms, error, created_at
         FROM claude_calls WHERE tenant_id = ? ORDER BY created_at DESC LIMIT ?`,
    )
    .bind(tenant_id, limit)
    .all<Omit<ClaudeCallRecord, "id" | "tenant_id">>();
  return results;
}

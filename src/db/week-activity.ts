/** A SUM or COUNT as D1 returns it: SUM over no rows is NULL. */
type Count = number | null;

/** A span of `created_at` instants: `from` included, `to` excluded. */
export interface InstantRange {
  from: string;
  to: string;
}

/** A week's audit totals, which the week before is compared on. */
export interface CallTotals {
  calls: Count;
  denied: Count;
  cost_cents: Count;
}

/** The escalations created in a week, by where they stand at the instant asked. */
export interface EscalationTotals {
  held: Count;
  approved: Count;
  denied: Count;
  cancelled: Count;
  expired: Count;
  pending: Count;
}

/** A tenant's week as its audit log and escalations record it, with the totals of the week before. */
export interface WeekActivity {
  totals: CallTotals;
  by_decision: { key: string; n: Count }[];
  by_reason_code: { reason_code: string; calls: Count }[];
  by_outcome: { key: string; n: Count }[];
  busiest_tools: { tool: string; calls: Count; denied: Count }[];
  /** Calls by Shadow policy and what it would have done (fields null when an entry lacks them). */
  shadow: { policy_id: string | null; policy_name: string | null; would: string | null; calls: Count }[];
  /** The agents with the most denied calls; `name` null when the tenant no longer has the agent. */
  denied_agents: { agent_id: string; name: string | null; denied: Count }[];
  escalations: EscalationTotals;
  /** Median minutes from hold to decision over the approved, executed and denied ones (null: none decided). */
  median_minutes: number | null;
  previous: { totals: CallTotals; escalations: EscalationTotals };
  /** How many decisions of the week (by when they were taken) were taken by break-glass. */
  break_glass_count: Count;
  /** The first of them, oldest first; `status` is the escalation's now (an approved one may be executed). */
  break_glass: {
    id: string;
    tool: string;
    agent_id: string;
    status: string;
    decided_by: string | null;
    decided_at: string;
    decision_reason: string | null;
  }[];
}

/**
 * Aggregates `tenant_id`'s audit log and escalations over `week` (and the totals over `previous`) in one D1 batch,
 * over the audit log's (tenant_id, created_at) index. Escalations still pending past their expiry at `at` count as
 * expired. `top` bounds the ranked lists; reads nothing of another tenant.
 */
export async function weekActivity(
  db: D1Database,
  tenant_id: string,
  week: InstantRange,
  previous: InstantRange,
  at: string,
  top: { reason_codes: number; tools: number; denied_agents: number; break_glass: number },
): Promise<WeekActivity> {
  const inWeek = "tenant_id = ?1 AND created_at >= ?2 AND created_at < ?3";
  // Break-glass decisions count in the week they were taken, whenever their call was held.
  const breakGlassInWeek = "tenant_id = ?1 AND decided_via = 'break_glass' AND decided_at >= ?2 AND decided_at < ?3";
  // ?1 tenant, ?2 and ?3 the week's bounds, ?4 now (bound only where used: D1 refuses extra bindings).
  const query = (sql: string, range = week) =>
    db.prepare(sql).bind(tenant_id, range.from, range.to, ...(sql.includes("?4") ? [at] : []));

  const totals = `SELECT COUNT(*) AS calls, SUM(decision = 'denied') AS denied, SUM(cost_cents) AS cost_cents
    FROM audit_log WHERE ${inWeek}`;
  const escalations = `SELECT COUNT(*) AS held, SUM(status IN ('approved', 'executed')) AS approved,
      SUM(status = 'denied') AS denied, SUM(status = 'cancelled') AS cancelled,
      SUM(status = 'expired' OR (status = 'pending' AND expires_at <= ?4)) AS expired,
      SUM(status = 'pending' AND expires_at > ?4) AS pending
    FROM escalations WHERE ${inWeek}`;
  const results = await db.batch<Record<string, unknown>>([
    query(totals),
    query(`SELECT decision AS key, COUNT(*) AS n FROM audit_log WHERE ${inWeek} GROUP BY decision`),
    query(
      `SELECT reason_code, COUNT(*) AS calls FROM audit_log WHERE ${inWeek}
        GROUP BY reason_code ORDER BY calls DESC, reason_code LIMIT ${whole(top.reason_codes)}`,
    ),
    query(`SELECT outcome AS key, COUNT(*) AS n FROM audit_log WHERE ${inWeek} GROUP BY outcome`),
    query(
      `SELECT tool, COUNT(*) AS calls, SUM(decision = 'denied') AS denied FROM audit_log WHERE ${inWeek}
        GROUP BY tool ORDER BY calls DESC, tool LIMIT ${whole(top.tools)}`,
    ),
    // A malformed shadow column counts as no shadow result rather than failing the digest.
    query(
      `SELECT json_extract(s.value, '$.policy_id') AS policy_id, MAX(json_extract(s.value, '$.policy_name')) AS policy_name,
          json_extract(s.value, '$.would') AS would, COUNT(DISTINCT a.invocation_id) AS calls
        FROM audit_log a, json_each(CASE WHEN json_valid(a.shadow) THEN a.shadow ELSE '[]' END) s
        WHERE a.tenant_id = ?1 AND a.created_at >= ?2 AND a.created_at < ?3 AND a.shadow != '[]'
        GROUP BY 1, 3`,
    ),
    query(
      `WITH denied AS (
         SELECT agent_id, COUNT(*) AS denied FROM audit_log WHERE ${inWeek} AND decision = 'denied'
          GROUP BY agent_id ORDER BY denied DESC, agent_id LIMIT ${whole(top.denied_agents)})
       SELECT d.agent_id, g.name, d.denied FROM denied d
         LEFT JOIN agents g ON g.tenant_id = ?1 AND g.id = d.agent_id
        ORDER BY d.denied DESC, d.agent_id`,
    ),
    query(escalations),
    // SQLite has no median: rank the decided escalations and average the middle one or two.
    query(
      `WITH decided AS (
         SELECT (julianday(decided_at) - julianday(created_at)) * 1440.0 AS minutes FROM escalations
          WHERE ${inWeek} AND status IN ('approved', 'executed', 'denied') AND decided_at IS NOT NULL),
       ranked AS (SELECT minutes, ROW_NUMBER() OVER (ORDER BY minutes) AS r, COUNT(*) OVER () AS n FROM decided)
       SELECT AVG(minutes) AS median FROM ranked WHERE r IN ((n + 1) / 2, (n + 2) / 2)`,
    ),
    query(totals, previous),
    query(escalations, previous),
    query(`SELECT COUNT(*) AS n FROM escalations WHERE ${breakGlassInWeek}`),
    query(
      `SELECT id, tool, agent_id, status, decided_by, decided_at, decision_reason FROM escalations
        WHERE ${breakGlassInWeek} ORDER BY decided_at, id LIMIT ${whole(top.break_glass)}`,
    ),
  ]);
  const rows = <T>(index: number): T[] => (results[index]?.results ?? []) as T[];
  // An aggregate without GROUP BY always returns one row; `{}` only guards a batch that answered short.
  const first = <T>(index: number): T => (rows<T>(index)[0] ?? {}) as T;
  return {
    totals: first(0),
    by_decision: rows(1),
    by_reason_code: rows(2),
    by_outcome: rows(3),
    busiest_tools: rows(4),
    shadow: rows(5),
    denied_agents: rows(6),
    escalations: first(7),
    median_minutes: first<{ median?: number | null }>(8).median ?? null,
    previous: { totals: first(9), escalations: first(10) },
    break_glass_count: first<{ n?: Count }>(11).n ?? 0,
    break_glass: rows(12),
  };
}

/** A LIMIT is written into the SQL: only a whole, non-negative number goes there. */
function whole(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new Error(`a LIMIT must be a whole number, not ${n}`);
  return n;
}

/** D1 `feature_reads`: one row per resources/read or prompts/get an agent sent through /mcp. */

/** One read by an agent: what it asked for, of which host, and whether it got it. */
export interface FeatureRead {
  id: string;
  tenant_id: string;
  agent_id: string;
  method: "resources/read" | "prompts/get";
  /** The federated URI or prompt name, as records hold caller-chosen text (redacted, bounded). */
  target: string;
  host_ref: string | null;
  outcome: "read" | "refused" | "failed";
  /** Why it was refused or failed; null when read. */
  reason: string | null;
  client_id: string | null;
  created_at: string;
}

/** Inserts one read. */
export async function insertFeatureRead(db: D1Database, read: FeatureRead): Promise<void> {
  await db
    .prepare(
      `INSERT INTO feature_reads (id, tenant_id, agent_id, method, target, host_ref, outcome, reason, client_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      read.id,
      read.tenant_id,
      read.agent_id,
      read.method,
      read.target,
      read.host_ref,
      read.outcome,
      read.reason,
      read.client_id,
      read.created_at,
    )
    .run();
}

/** Which reads to list: by agent, method, outcome, older than `before`; at most `limit`. */
export interface FeatureReadFilter {
  agent_id?: string;
  method?: string;
  outcome?: string;
  before?: string;
  limit: number;
}

/** A tenant's reads, newest first, with optional filters (the admin API's `GET /admin/audit/reads`). */
export async function listFeatureReads(
  db: D1Database,
  tenant_id: string,
  filter: FeatureReadFilter,
): Promise<FeatureRead[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM feature_reads
        WHERE tenant_id = ?1 AND (?2 IS NULL OR agent_id = ?2) AND (?3 IS NULL OR method = ?3)
          AND (?4 IS NULL OR outcome = ?4) AND (?5 IS NULL OR created_at < ?5)
        ORDER BY created_at DESC, id DESC LIMIT ?6`,
    )
    .bind(
      tenant_id,
      filter.agent_id ?? null,
      filter.method ?? null,
      filter.outcome ?? null,
      filter.before ?? null,
      filter.limit,
    )
    .all<FeatureRead>();
  return results;
}

/** A Runbooks row an agent may read: Active, with the tool patterns it covers. */
export interface ActiveRunbook {
  page_id: string;
  name: string;
  tools: string[];
  checks: string;
}

/** The tenant's Active runbooks (rows whose tool patterns do not parse cover nothing). */
export async function activeRunbooks(db: D1Database, tenant_id: string): Promise<ActiveRunbook[]> {
  const { results } = await db
    .prepare(
      "SELECT page_id, name, tools, checks FROM runbooks WHERE tenant_id = ? AND status = 'Active' ORDER BY name",
    )
    .bind(tenant_id)
    .all<{ page_id: string; name: string; tools: string; checks: string }>();
  return results.map((row) => ({ ...row, tools: patternsOf(row.tools) }));
}

function patternsOf(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
  } catch {
    return [];
  }
}

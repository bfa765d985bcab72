/** The decision inputs kept for replay in D1 (`decision_inputs`): written after the response, pruned by the cron. */
import { z } from "zod";
import type { AgentFacts, CallContext, Decision, ToolFacts } from "../policy/types";

/** A recorded decision input: decide()'s request with its arguments redacted, and what was decided. */
export interface DecisionInput {
  tenant_id: string;
  invocation_id: string;
  created_at: string;
  /** decide()'s request besides the arguments: the tool, the agent, the verified context. */
  facts: { tool: ToolFacts; agent: AgentFacts; context: CallContext };
  /** The arguments as every record shows them: PII replaced by `[REDACTED:<detector>]`. */
  args: Record<string, unknown>;
  /** The redaction paths (`$.customer.email`) whose values are not the originals: a condition reading one is indeterminate. */
  redacted: string[];
  args_hash: string;
  /** What the call's records say was decided, and why. */
  decision: Decision["decision"];
  reason_code: string;
  /** The snapshot that decided it. */
  snapshot: string;
}

/** The facts part of a stored input, parsed when read back (rows written by an older version are skipped, not guessed). */
const storedFactsSchema = z.object({
  tool: z.object({ name: z.string(), host: z.string(), annotations: z.record(z.string(), z.unknown()) }),
  agent: z.object({ id: z.string(), name: z.string(), owner: z.string().nullable(), scopes: z.array(z.string()) }),
  context: z.object({
    user: z.string().nullable(),
    workspace: z.string().nullable(),
    correlation_id: z.string().nullable(),
    session_id: z.string().nullable(),
    run_id: z.string().nullable(),
    now: z.string(),
  }),
});

/** Inserts one call's decision input (once per invocation). */
export async function insertDecisionInput(db: D1Database, input: DecisionInput): Promise<void> {
  await decisionInputStatement(db, input).run();
}

/** The statement that inserts one call's decision input, to run alone or in a batch (src/db/writes-together.ts). */
export function decisionInputStatement(db: D1Database, input: DecisionInput): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO decision_inputs (tenant_id, invocation_id, created_at, tool, agent_id, facts, args, redacted,
         args_hash, decision, reason_code, snapshot)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    )
    .bind(
      input.tenant_id,
      input.invocation_id,
      input.created_at,
      input.facts.tool.name,
      input.facts.agent.id,
      JSON.stringify(input.facts),
      JSON.stringify(input.args),
      JSON.stringify(input.redacted),
      input.args_hash,
      input.decision,
      input.reason_code,
      input.snapshot,
    );
}

interface StoredInput {
  tenant_id: string;
  invocation_id: string;
  created_at: string;
  facts: string;
  args: string;
  redacted: string;
  args_hash: string;
  decision: DecisionInput["decision"];
  reason_code: string;
  snapshot: string;
}

/** Rows read per query: D1 answers are bounded in size, so a long replay reads its inputs in pages. */
const PAGE = 5_000;

/**
 * A tenant's decision inputs recorded at or after `since`, newest first, at most `limit`. A row that no longer
 * parses is skipped (and counted), never guessed at.
 */
export async function recentDecisionInputs(
  db: D1Database,
  tenant_id: string,
  since: string,
  limit: number,
): Promise<{ inputs: DecisionInput[]; unreadable: number }> {
  const inputs: DecisionInput[] = [];
  let unreadable = 0;
  let before = null as { created_at: string; invocation_id: string } | null;
  while (inputs.length + unreadable < limit) {
    const take = Math.min(PAGE, limit - inputs.length - unreadable);
    const { results }: { results: StoredInput[] } = await db
      .prepare(
        `SELECT tenant_id, invocation_id, created_at, facts, args, redacted, args_hash, decision, reason_code, snapshot
           FROM decision_inputs
          WHERE tenant_id = ? AND created_at >= ?
            AND (? IS NULL OR created_at < ? OR (created_at = ? AND invocation_id < ?))
          ORDER BY created_at DESC, invocation_id DESC LIMIT ?`,
      )
      .bind(
        tenant_id,
        since,
        before?.created_at ?? null,
        before?.created_at ?? null,
        before?.created_at ?? null,
        before?.invocation_id ?? null,
        take,
      )
      .all<StoredInput>();
    for (const row of results) {
      const input = parsedInput(row);
      if (input) inputs.push(input);
      else unreadable++;
    }
    const last = results.at(-1);
    if (!last || results.length < take) break;
    before = { created_at: last.created_at, invocation_id: last.invocation_id };
  }
  return { inputs, unreadable };
}

function parsedInput(row: StoredInput): DecisionInput | null {
  try {
    const facts = storedFactsSchema.safeParse(JSON.parse(row.facts));
    const args: unknown = JSON.parse(row.args);
    const redacted: unknown = JSON.parse(row.redacted);
    if (!facts.success || typeof args !== "object" || args === null || Array.isArray(args)) return null;
    if (!Array.isArray(redacted) || !redacted.every((path) => typeof path === "string")) return null;
    return {
      tenant_id: row.tenant_id,
      invocation_id: row.invocation_id,
      created_at: row.created_at,
      facts: facts.data,
      args: args as Record<string, unknown>,
      redacted: redacted as string[],
      args_hash: row.args_hash,
      decision: row.decision,
      reason_code: row.reason_code,
      snapshot: row.snapshot,
    };
  } catch {
    return null;
  }
}

/** Rows deleted per statement, and statements per cron pass: pruning never holds the database for long. */
export const PRUNE_BATCH = 1_000;
export const PRUNE_BATCHES = 20;

/**
 * Deletes decision inputs older than their tenant's retention (release_settings.retention_days, default 7), in
 * batches of {@link PRUNE_BATCH}, at most {@link PRUNE_BATCHES} of them; what is left waits for the next pass.
 * Answers how many were deleted.
 */
export async function pruneDecisionInputs(db: D1Database, now: Date): Promise<number> {
  let deleted = 0;
  for (let batch = 0; batch < PRUNE_BATCHES; batch++) {
    const result = await db
      .prepare(
        `DELETE FROM decision_inputs WHERE rowid IN (
           SELECT d.rowid FROM decision_inputs d LEFT JOIN release_settings s ON s.tenant_id = d.tenant_id
            WHERE d.created_at < strftime('%Y-%m-%dT%H:%M:%fZ', ?, '-' || COALESCE(s.retention_days, 7) || ' days')
            LIMIT ?)`,
      )
      .bind(now.toISOString(), PRUNE_BATCH)
      .run();
    const changes = result.meta.changes ?? 0;
    deleted += changes;
    if (changes < PRUNE_BATCH) break;
  }
  return deleted;
}

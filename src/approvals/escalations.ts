import { z } from "zod";
import type { Decision } from "../policy/types";

/** A held call waiting for people, bound to the exact call (tenant, agent, tool, canonical-args hash). */
export interface Escalation {
  id: string;
  tenant_id: string;
  agent_id: string;
  tool: string;
  args_hash: string;
  invocation_id: string;
  status: "pending" | "approved" | "denied" | "expired" | "executed" | "cancelled";
  reason_code: string;
  message: string;
  policy_ids: string[];
  approvers: string[];
  requested_for: string | null;
  snapshot: string;
  created_at: string;
  expires_at: string;
  decided_by: string | null;
  decided_at: string | null;
  executed_at: string | null;
}

/** What opening an escalation needs to know about the held call. */
export interface HeldCall {
  tenant_id: string;
  agent_id: string;
  tool: string;
  args_hash: string;
  invocation_id: string;
  decision: Decision;
  approvers: string[];
  requested_for: string | null;
}

const strings = z.array(z.string());

function escalationFrom(row: Record<string, unknown>): Escalation {
  return {
    ...(row as unknown as Escalation),
    policy_ids: strings.parse(JSON.parse(String(row.policy_ids))),
    approvers: strings.parse(JSON.parse(String(row.approvers))),
  };
}

/**
 * Opens an escalation for a held call, or returns the pending one already on file for the same exact call
 * (so an agent repeating a held call does not pile up requests). A pending escalation past its expiry
 * is marked expired first, and a new one opened.
 */
export async function openEscalation(
  db: D1Database,
  call: HeldCall,
  options: { id: string; now: Date; ttl_ms: number },
): Promise<{ escalation: Escalation; created: boolean }> {
  const now = options.now.toISOString();
  const expires_at = new Date(options.now.getTime() + options.ttl_ms).toISOString();
  const match = "tenant_id = ? AND agent_id = ? AND tool = ? AND args_hash = ? AND status = 'pending'";
  const key = [call.tenant_id, call.agent_id, call.tool, call.args_hash];
  const [, inserted] = await db.batch([
    db.prepare(`UPDATE escalations SET status = 'expired' WHERE ${match} AND expires_at <= ?`).bind(...key, now),
    db
      .prepare(
        `INSERT INTO escalations (id, tenant_id, agent_id, tool, args_hash, invocation_id, reason_code, message,
                                  policy_ids, approvers, requested_for, snapshot, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      )
      .bind(
        options.id,
        ...key,
        call.invocation_id,
        call.decision.reason_code,
        call.decision.message,
        JSON.stringify(call.decision.policy_ids),
        JSON.stringify(call.approvers),
        call.requested_for,
        call.decision.snapshot,
        now,
        expires_at,
      ),
  ]);
  const row = await db
    .prepare(`SELECT * FROM escalations WHERE ${match}`)
    .bind(...key)
    .first<Record<string, unknown>>();
  if (!row) throw new Error("escalation vanished right after it was written");
  return { escalation: escalationFrom(row), created: (inserted?.meta.changes ?? 0) > 0 };
}

/** Lists a tenant's escalations, newest first (admin). */
export async function listEscalations(
  db: D1Database,
  tenant_id: string,
  options: { status?: string; limit: number },
): Promise<Escalation[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM escalations WHERE tenant_id = ?1 AND (?2 IS NULL OR status = ?2)
        ORDER BY created_at DESC, id LIMIT ?3`,
    )
    .bind(tenant_id, options.status ?? null, options.limit)
    .all<Record<string, unknown>>();
  return results.map(escalationFrom);
}

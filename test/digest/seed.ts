import { env, runInDurableObject } from "cloudflare:test";
import { decisionEntry, ledgerFor, type LedgerDO } from "../../src/ledger";
import { recorded } from "../ledger/recorded-bodies";

/** A tenant row written straight to D1 (no agent, no ledger entry), with a fresh id. */
export async function bareTenant(prefix = "digest"): Promise<string> {
  const id = `${prefix}_${crypto.randomUUID().slice(0, 8)}`;
  await env.DB.prepare("INSERT INTO tenants (id, name, default_posture, created_at) VALUES (?, ?, '{}', ?)")
    .bind(id, `Tenant ${id}`, "2026-01-01T00:00:00.000Z")
    .run();
  return id;
}

/** An agent row of `tenant_id`. */
export async function agentRow(tenant_id: string, id: string, name: string): Promise<void> {
  await env.DB.prepare("INSERT INTO agents (id, tenant_id, name, created_at) VALUES (?, ?, ?, ?)")
    .bind(id, tenant_id, name, "2026-01-01T00:00:00.000Z")
    .run();
}

/** One audit row: a tool call with its decision and outcome, as the pipeline records it. */
export interface SeedCall {
  tool: string;
  decision: "authorized" | "escalated" | "denied" | "invalid";
  reason_code: string;
  outcome: "succeeded" | "denied" | "pending_approval" | "failed" | "invalid";
  agent_id: string;
  at: string;
  cost_cents?: number | null;
  /** The shadow column's text (default '[]'). */
  shadow?: string;
}

const STATUS: Record<SeedCall["outcome"], string> = {
  succeeded: "authorized",
  denied: "denied",
  pending_approval: "action_required",
  failed: "failed",
  invalid: "invalid",
};

/** Writes audit rows for `tenant_id` straight to D1, in one batch. */
export async function seedCalls(tenant_id: string, calls: SeedCall[]): Promise<void> {
  if (calls.length === 0) return;
  await env.DB.batch(
    calls.map((call) =>
      env.DB.prepare(
        `INSERT INTO audit_log (invocation_id, tenant_id, agent_id, tool, decision, reason_code, policy_ids, outcome,
           status, cost_cents, latency_ms, total_ms, correlation, evidence_ids, shadow, created_at)
         VALUES (?, ?, ?, ?, ?, ?, '[]', ?, ?, ?, '{}', 1, '{}', '[]', ?, ?)`,
      ).bind(
        `inv_${crypto.randomUUID()}`,
        tenant_id,
        call.agent_id,
        call.tool,
        call.decision,
        call.reason_code,
        call.outcome,
        STATUS[call.outcome],
        call.cost_cents ?? null,
        call.shadow ?? "[]",
        call.at,
      ),
    ),
  );
}

/** One escalation row. */
export interface SeedEscalation {
  status: "pending" | "approved" | "denied" | "expired" | "executed" | "cancelled";
  created_at: string;
  expires_at?: string;
  decided_at?: string;
  agent_id?: string;
  tool?: string;
}

/** Writes escalation rows for `tenant_id` straight to D1, in one batch. */
export async function seedEscalations(tenant_id: string, escalations: SeedEscalation[]): Promise<void> {
  if (escalations.length === 0) return;
  await env.DB.batch(
    escalations.map((escalation) =>
      env.DB.prepare(
        `INSERT INTO escalations (id, tenant_id, agent_id, tool, args_hash, invocation_id, status, reason_code, message,
           policy_ids, approvers, snapshot, created_at, expires_at, decided_by, decided_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'refund_over_limit', 'held', '[]', '[]', 'sha256:s', ?, ?, ?, ?)`,
      ).bind(
        `esc_${crypto.randomUUID()}`,
        tenant_id,
        escalation.agent_id ?? "agt_seed",
        escalation.tool ?? "payments.create_refund",
        `sha256:${crypto.randomUUID()}`,
        `inv_${crypto.randomUUID()}`,
        escalation.status,
        escalation.created_at,
        escalation.expires_at ?? new Date(new Date(escalation.created_at).getTime() + 24 * 3600_000).toISOString(),
        escalation.decided_at ? "manager@example.com" : null,
        escalation.decided_at ?? null,
      ),
    ),
  );
}

/** Appends one ledger entry to `tenant_id`'s ledger per instant, each stamped at its instant; returns the entries. */
export async function ledgerAt(tenant_id: string, instants: string[]) {
  const stub = env.LEDGER.get(env.LEDGER.idFromName(tenant_id));
  for (const [i, at] of instants.entries())
    await runInDurableObject<LedgerDO, void>(stub, async (instance) => {
      instance.clock = () => new Date(at);
      await instance.append(tenant_id, [decisionEntry(`inv_seed_${i}`, recorded.decisionApproved)]);
    });
  return ledgerFor(env, tenant_id).list({ limit: 1000 });
}

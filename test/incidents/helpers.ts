import { env } from "cloudflare:test";
import { insertAuditRow } from "../../src/db/audit";
import type { Env } from "../../src/env";
import type { NotificationEvent } from "../../src/notifications/notify";
import { incidentDeps } from "../../src/wiring/incidents";
import { auditRow } from "../support/audit-row";

/** The Worker's bindings as the incident loop's wiring takes them. */
export const workerEnv = env as unknown as Env;

/** The incident loop as the cron wires it, notifying into `sent` instead of the channels. */
export function recordingDeps() {
  const sent: NotificationEvent[] = [];
  const deps = incidentDeps(
    workerEnv,
    async (event) => void sent.push(event),
    () => undefined,
  );
  return { deps, sent };
}

let seq = 0;

/** Writes `n` audit rows of `tool` by `agent_id` with `outcome`, at `at`, as the record stage would. */
export async function auditRows(
  tenant_id: string,
  agent_id: string,
  tool: string,
  outcome: "denied" | "pending_approval" | "failed" | "succeeded",
  n: number,
  at: Date,
): Promise<void> {
  const decision = { denied: "denied", pending_approval: "escalated", failed: "authorized", succeeded: "authorized" };
  for (let i = 0; i < n; i++)
    await insertAuditRow(
      workerEnv.DB,
      auditRow({
        invocation_id: `inv_incident_${Date.now().toString(36)}_${seq++}`,
        tenant_id,
        agent_id,
        tool,
        decision: decision[outcome],
        reason_code: outcome === "denied" ? "policy_denied" : "ok",
        outcome,
        status: outcome === "pending_approval" ? "action_required" : outcome === "denied" ? "denied" : "authorized",
        created_at: new Date(at.getTime() - i * 1000).toISOString(),
      }),
    );
}

/** The tenant's host health object, as the pipeline reports to it. */
export function hostHealth(tenant_id: string) {
  return workerEnv.HOST_HEALTH.get(workerEnv.HOST_HEALTH.idFromName(tenant_id));
}

/** Reports `n` failed calls of `host_id`, `ago_ms` ago (failures trip the circuit at 5 of them). */
export async function hostFails(tenant_id: string, host_id: string, n: number, ago_ms: number): Promise<void> {
  const at = Date.now() - ago_ms;
  await hostHealth(tenant_id).report(
    Array.from({ length: n }, (_, i) => ({
      host: { id: host_id },
      observation: { at: at + i, ms: 10_000, failed: true, probe: false },
    })),
  );
}

/** The host recovers: once its cool-down is over, its probe succeeds and closes its circuit. */
export async function hostRecovers(tenant_id: string, host_id: string): Promise<void> {
  const stub = hostHealth(tenant_id);
  const { admission } = await stub.admit({ id: host_id });
  if (!admission.admitted || !admission.probe) throw new Error(`no probe admitted: ${JSON.stringify(admission)}`);
  await stub.report([{ host: { id: host_id }, observation: { at: Date.now(), ms: 80, failed: false, probe: true } }]);
}

/** `base` plus `minutes`. */
export const plus = (base: Date, minutes: number) => new Date(base.getTime() + minutes * 60_000);

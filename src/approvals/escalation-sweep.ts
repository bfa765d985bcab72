import { untrackedOrOverdue } from "../db/escalations";
import type { Env } from "../env";
import { escalationObject } from "./escalation-object";

/**
 * How many escalations one cron pass hands to their objects, oldest first; the rest wait for the next pass. Each
 * expiry may wait out a Notion deadline writing its page, so the pass stays well inside a cron's time.
 */
export const SWEEP_LIMIT = 25;
/** An escalation younger than this is left alone: the work that opened it may still be tracking it. */
export const TRACK_GRACE_MS = 60_000;

/** What one sweep did. */
export interface SweepReport {
  /** Handed to their objects, which now have their reminder and expiry alarms. */
  tracked: number;
  /** Expired by the sweep, as their alarm would have: recorded in the ledger, their pages told. */
  expired: number;
  /** Found decided or expired already by the time their object looked. */
  not_pending: number;
  /** Their object failed; each is logged and the next pass tries again. */
  failed: number;
}

/**
 * The backstop for escalation alarms: a pending escalation its object never tracked (the object's call failed when
 * the call was held) gets tracked, so its reminder and expiry come; one past its expiry, tracked or not, is expired
 * through its object as the alarm would, once. At most {@link SWEEP_LIMIT} per pass.
 */
export async function sweepEscalations(env: Pick<Env, "DB" | "ESCALATIONS">, now: Date): Promise<SweepReport> {
  const report: SweepReport = { tracked: 0, expired: 0, not_pending: 0, failed: 0 };
  const due = await untrackedOrOverdue(env.DB, {
    now: now.toISOString(),
    opened_before: new Date(now.getTime() - TRACK_GRACE_MS).toISOString(),
    limit: SWEEP_LIMIT,
  });
  for (const row of due) {
    const escalation_id = String(row.id);
    // An object that cannot be reached fails alone: the oldest escalation failing must not stall every later one.
    const done = await escalationObject(env, escalation_id)
      .catchUp({
        escalation_id,
        tenant_id: String(row.tenant_id),
        expires_at: String(row.expires_at),
        remind_at: typeof row.remind_at === "string" ? row.remind_at : null,
      })
      .catch((error: unknown) => ({ result: "failed" as const, error: String(error) }));
    if (typeof done === "object") {
      report.failed++;
      console.error(`escalation ${escalation_id} of tenant ${String(row.tenant_id)} not caught up: ${done.error}`);
    } else report[done]++;
  }
  return report;
}

import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { ledgerFor } from "../ledger";
import { followPage, takeDecision, type DecisionIntake, type IntakeResult } from "./decisions";
import { escalationEvent, expireEscalation, type Escalation } from "./escalations";

/** What the object keeps about its escalation: enough to expire it without reading D1 first. */
interface Tracked {
  escalation_id: string;
  tenant_id: string;
  expires_at: string;
}

const TRACKED_KEY = "escalation";
/** An expiry written to D1 whose ledger entry is not appended yet. */
const UNRECORDED_KEY = "unrecorded_expiry";

/**
 * One object per escalation (named by its id): its alarm expires the escalation if it is still pending at
 * `expires_at`, and records the expiry in the tenant's ledger. A decision before then makes the alarm a no-op.
 * Decisions taken from its Approvals page and writes of that page's Decision run here one at a time.
 */
export class EscalationDO extends DurableObject<Env> {
  private queue: Promise<unknown> = Promise.resolve();

  /** Takes the decision the escalation's page shows now (see {@link takeDecision}), after any intake before it. */
  async takeDecision(intake: DecisionIntake): Promise<IntakeResult> {
    return this.serialized(() => takeDecision(this.env, intake));
  }

  /** Writes the escalation's status to its page as its Decision (see {@link followPage}). */
  async followPage(target: {
    tenant_id: string;
    escalation_id: string;
  }): Promise<"written" | "skipped" | "page_refused"> {
    return this.serialized(() => followPage(this.env, target));
  }

  /** Runs work after every earlier intake or page write of this escalation has finished. */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Starts tracking an escalation and sets the alarm for its expiry; repeating it changes nothing. */
  async track(escalation: Tracked): Promise<void> {
    await this.ctx.storage.put(TRACKED_KEY, escalation);
    await this.ctx.storage.setAlarm(new Date(escalation.expires_at));
  }

  /**
   * Expires the escalation if it is still pending and records that in the ledger, once; an alarm that comes early
   * is set again.
   */
  override async alarm(): Promise<void> {
    const tracked = await this.ctx.storage.get<Tracked>(TRACKED_KEY);
    if (!tracked) return;
    const now = new Date();
    const expired = await expireEscalation(this.env.DB, tracked.escalation_id, now);
    if (expired) await this.ctx.storage.put(UNRECORDED_KEY, expired);
    else if (tracked.expires_at > now.toISOString()) {
      await this.ctx.storage.setAlarm(new Date(tracked.expires_at));
      return;
    }
    // A failed append throws and the runtime retries the alarm, which finds the expiry still unrecorded.
    const unrecorded = expired ?? (await this.ctx.storage.get<Escalation>(UNRECORDED_KEY));
    if (unrecorded)
      await ledgerFor(this.env, tracked.tenant_id).append(tracked.tenant_id, [
        escalationEvent(unrecorded, "expired", null),
      ]);
    await this.ctx.storage.deleteAll();
    // The page says Expired at once when it can; the cron's pass writes it when Notion cannot be reached now.
    if (unrecorded)
      await this.serialized(() => followPage(this.env, tracked)).catch((error: unknown) =>
        console.error(`approval page of ${tracked.escalation_id} still shows it pending: ${String(error)}`),
      );
  }
}

/**
 * Hands a newly opened escalation to its Durable Object, which sets the expiry alarm.
 *
 * @example deps.defer(trackEscalation(env, escalation))
 */
export async function trackEscalation(
  env: Pick<Env, "ESCALATIONS">,
  escalation: Pick<Escalation, "id" | "tenant_id" | "expires_at">,
): Promise<void> {
  const stub = env.ESCALATIONS.get(env.ESCALATIONS.idFromName(escalation.id));
  await stub.track({
    escalation_id: escalation.id,
    tenant_id: escalation.tenant_id,
    expires_at: escalation.expires_at,
  });
}

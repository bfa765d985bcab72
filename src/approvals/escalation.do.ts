import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { markTracked } from "../db/escalations";
import { ledgerFor } from "../ledger";
import type { LedgerEntryInput } from "../ledger/types";
import { decideBreakGlass, type BreakGlassRequest, type BreakGlassResult } from "./break-glass";
import { takeDecision, type DecisionIntake, type IntakeResult } from "./decisions";
import { escalationObject } from "./escalation-object";
import { escalationEvent, expireEscalation, type Escalation } from "./escalations";
import { followPage } from "./follow-page";
import type { ApprovalPagesFor } from "./ports";
import { remindApprovers } from "./reminders";

/** What the object keeps about its escalation: enough to remind and expire it without reading D1 first. */
export interface Tracked {
  escalation_id: string;
  tenant_id: string;
  expires_at: string;
  /** When the approvers get a reminder (null: never); `reminded` once they have had it or it was not needed. */
  remind_at: string | null;
  reminded?: boolean;
  /** Tries of a due reminder that had to wait (its page not created yet, or Notion failing). */
  reminder_tries?: number;
}

/** Ledger entries about this escalation that are decided (in D1) but not appended yet. */
interface Unrecorded {
  tenant_id: string;
  entries: LedgerEntryInput[];
}

const TRACKED_KEY = "escalation";
const UNRECORDED_KEY = "unrecorded";
/** How soon an unappended ledger entry is tried again; the longest wait between tries of a due reminder. */
const RETRY_MS = 30_000;
/**
 * The first wait before a due reminder is tried again, doubled on each try up to RETRY_MS. Its page usually appears
 * seconds after the call was held (Notion's pace), and a request with a short wait would expire before a long retry.
 */
const FIRST_REMINDER_RETRY_MS = 1_000;

/**
 * One object per escalation (named by its id). Its alarm reminds the approvers once when nobody has decided by
 * `remind_at` (and tells the tenant's notification channels the held call nears its expiry), and expires the escalation if it is still pending at `expires_at`. Decisions taken from its
 * Approvals page and writes of that page's Decision run here one at a time. Every ledger entry it makes is kept in
 * its storage until the ledger has it, so a decision recorded in D1 is never missing from the ledger. It knows the
 * Approvals pages only through {@link ApprovalPagesFor}: the class the Worker exports (src/wiring/escalation.do.ts)
 * says where they live.
 */
export abstract class EscalationDO extends DurableObject<Env> {
  private queue: Promise<unknown> = Promise.resolve();
  /** The tenants' Approvals pages. */
  protected abstract readonly pagesFor: ApprovalPagesFor;
  /** Tells the tenant's channels that a pending held call nears its expiry; only enqueues, never throws. */
  protected abstract holdExpiring(target: { tenant_id: string; escalation_id: string }): Promise<void>;
  /**
   * Ends what waited on this escalation's decision or expiry (held calls returned to clients as tasks: each runs once
   * now, or fails with the expiry). A throw leaves that work to the clients' first polls, which do the same.
   */
  protected abstract endWaiting(target: { tenant_id: string; escalation_id: string }): Promise<void>;

  /**
   * Takes the decision the escalation's page shows now (see {@link takeDecision}), after any intake before it. A
   * fault (Notion down or slow, D1) comes back as an {@link ObjectFault}; nothing was decided then.
   */
  async takeDecision(intake: DecisionIntake): Promise<IntakeResult | ObjectFault> {
    const taken = await this.serialized(() =>
      takeDecision(this.env.DB, this.pagesFor, intake, { record: (entries) => this.record(intake.tenant_id, entries) }),
    ).catch(faultOf);
    if (taken.result === "accepted") await this.ended(intake);
    return taken;
  }

  /**
   * Takes a break-glass decision (see {@link decideBreakGlass}) after any intake before it; it never calls Notion.
   * A fault (D1) comes back as an {@link ObjectFault}; nothing was decided then.
   */
  async decideBreakGlass(request: BreakGlassRequest): Promise<BreakGlassResult | ObjectFault> {
    const taken = await this.serialized(() =>
      decideBreakGlass(this.env.DB, request, { record: (entries) => this.record(request.tenant_id, entries) }),
    ).catch(faultOf);
    if (taken.result === "accepted") await this.ended(request);
    return taken;
  }

  /** Writes the escalation's status to its page as its Decision (see {@link followPage}); a fault as a value. */
  async followPage(target: {
    tenant_id: string;
    escalation_id: string;
  }): Promise<"written" | "skipped" | "page_refused" | ObjectFault> {
    return this.serialized(() => followPage(this.env.DB, this.pagesFor, target)).catch(faultOf);
  }

  /**
   * Starts tracking an escalation and sets the alarm for its reminder or expiry, then says so in D1 (`tracked_at`);
   * repeating it changes nothing (a reminder sent stays sent). A fault as a value.
   */
  async track(escalation: Tracked): Promise<"tracked" | ObjectFault> {
    try {
      const known = await this.ctx.storage.get<Tracked>(TRACKED_KEY);
      const tracked = { ...escalation, reminded: known?.reminded ?? false };
      await this.ctx.storage.put(TRACKED_KEY, tracked);
      await this.ctx.storage.setAlarm(nextAlarm(tracked));
      await markTracked(this.env.DB, escalation.escalation_id, new Date().toISOString());
      return "tracked";
    } catch (error) {
      return faultOf(error);
    }
  }

  /**
   * The cron's catch-up for an escalation its object may never have tracked: past its expiry, expires it now as the
   * alarm would (`expired`; `not_pending` when it was decided or expired already); else tracks it (`tracked`).
   */
  async catchUp(escalation: Tracked): Promise<"tracked" | "expired" | "not_pending" | ObjectFault> {
    try {
      const now = new Date();
      if (escalation.expires_at > now.toISOString()) return await this.track(escalation);
      return (await this.expire(escalation, now)) ? "expired" : "not_pending";
    } catch (error) {
      return faultOf(error);
    }
  }

  /**
   * Appends what was not appended yet; expires the escalation if it is still pending at its expiry and records that
   * in the ledger, once; else reminds the approvers when it is time, and sets the alarm for what comes next.
   */
  override async alarm(): Promise<void> {
    // A failed append throws and the runtime retries the alarm, which finds the entries still here.
    await this.flush();
    const tracked = await this.ctx.storage.get<Tracked>(TRACKED_KEY);
    if (!tracked) return;
    const now = new Date();
    if (await this.expire(tracked, now)) return;
    if (tracked.expires_at <= now.toISOString()) {
      // Decided, or expired by the cron's catch-up or a retry, before its alarm.
      await this.ctx.storage.delete(TRACKED_KEY);
      return;
    }
    if (!tracked.reminded && tracked.remind_at && tracked.remind_at <= now.toISOString()) {
      // The channels hear of it at the reminder's moment, with or without Notion; a retried alarm enqueues the same
      // event id again, which the consumer delivers once.
      await this.holdExpiring(tracked).catch((error: unknown) =>
        console.error(`expiry notice of ${tracked.escalation_id} not sent: ${String(error)}`),
      );
      const reminded = await this.serialized(() => remindApprovers(this.env.DB, this.pagesFor, tracked, now)).catch(
        (error: unknown) => {
          console.error(`reminder for ${tracked.escalation_id} waits for Notion: ${String(error)}`);
          return "retry" as const;
        },
      );
      if (reminded === "retry") {
        const tries = (tracked.reminder_tries ?? 0) + 1;
        await this.ctx.storage.put(TRACKED_KEY, { ...tracked, reminder_tries: tries });
        const wait = Math.min(RETRY_MS, FIRST_REMINDER_RETRY_MS * 2 ** (tries - 1));
        await this.ctx.storage.setAlarm(Math.min(Date.parse(tracked.expires_at), now.getTime() + wait));
        return;
      }
      tracked.reminded = true;
      await this.ctx.storage.put(TRACKED_KEY, tracked);
    }
    await this.ctx.storage.setAlarm(nextAlarm(tracked));
  }

  /**
   * Expires the escalation if it is still pending at `now` (D1 says when it expires; a tracked copy only sets the
   * alarm), records that in the ledger and shows it on its page. Returns it when this call expired it: of the alarm,
   * the cron's catch-up and a retry, exactly one does.
   */
  private async expire(target: Tracked, now: Date): Promise<Escalation | null> {
    const expired = await expireEscalation(this.env.DB, target.escalation_id, now);
    if (!expired) return null;
    await this.ctx.storage.delete(TRACKED_KEY);
    await this.record(target.tenant_id, [escalationEvent(expired, "expired", null)]);
    await this.ended(target);
    // The page says Expired at once when it can; the cron's pass writes it when Notion cannot be reached now.
    await this.serialized(() => followPage(this.env.DB, this.pagesFor, target)).catch((error: unknown) =>
      console.error(`approval page of ${target.escalation_id} still shows it pending: ${String(error)}`),
    );
    return expired;
  }

  /**
   * Ends what waited on the escalation, outside the intake queue: a held call runs its host there, and the page write
   * that follows a used approval comes back to this object's queue.
   */
  private async ended(target: { tenant_id: string; escalation_id: string }): Promise<void> {
    await this.endWaiting({ tenant_id: target.tenant_id, escalation_id: target.escalation_id }).catch(
      (error: unknown) =>
        console.error(`held tasks of ${target.escalation_id} wait for their first poll: ${String(error)}`),
    );
  }

  /**
   * Appends entries to the tenant's ledger. They are stored first and dropped only once appended; when the ledger
   * cannot take them now, an alarm tries again soon. Never throws for a ledger fault.
   */
  private async record(tenant_id: string, entries: LedgerEntryInput[]): Promise<void> {
    const waiting = await this.ctx.storage.get<Unrecorded>(UNRECORDED_KEY);
    await this.ctx.storage.put(UNRECORDED_KEY, { tenant_id, entries: [...(waiting?.entries ?? []), ...entries] });
    try {
      await this.flush();
    } catch (error) {
      console.error(`ledger entries of this escalation wait to be appended: ${String(error)}`);
      const retry = Date.now() + RETRY_MS;
      const set = await this.ctx.storage.getAlarm();
      if (set === null || set > retry) await this.ctx.storage.setAlarm(retry);
    }
  }

  /** Appends the stored entries, if any, and forgets them. */
  private async flush(): Promise<void> {
    const waiting = await this.ctx.storage.get<Unrecorded>(UNRECORDED_KEY);
    if (!waiting) return;
    await ledgerFor(this.env, waiting.tenant_id).append(waiting.tenant_id, waiting.entries);
    await this.ctx.storage.delete(UNRECORDED_KEY);
  }

  /** Runs work after every earlier intake, page write or reminder of this escalation has finished. */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/**
 * What the object's work failed with. Its RPC methods answer a fault with this value and never reject: a rejection
 * out of an RPC method reaches the runtime as an uncaught error, besides the caller, who logs it once with context.
 */
export interface ObjectFault {
  result: "failed";
  error: string;
}

function faultOf(error: unknown): ObjectFault {
  return { result: "failed", error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

/** The next time the object has something to do: the reminder, else the expiry. */
function nextAlarm(tracked: Tracked): number {
  const expires = Date.parse(tracked.expires_at);
  return !tracked.reminded && tracked.remind_at ? Math.min(Date.parse(tracked.remind_at), expires) : expires;
}

/**
 * Hands a newly opened escalation to its Durable Object, which sets the alarms for its reminder and expiry; throws
 * when the object could not.
 *
 * @example deps.defer(trackEscalation(env, escalation))
 */
export async function trackEscalation(
  env: Pick<Env, "ESCALATIONS">,
  escalation: Pick<Escalation, "id" | "tenant_id" | "expires_at" | "remind_at">,
): Promise<void> {
  const tracked = await escalationObject(env, escalation.id).track({
    escalation_id: escalation.id,
    tenant_id: escalation.tenant_id,
    expires_at: escalation.expires_at,
    remind_at: escalation.remind_at ?? null,
  });
  // The cron's sweep tracks it later (see src/approvals/escalation-sweep.ts).
  if (tracked !== "tracked") throw new Error(`escalation ${escalation.id} not tracked yet: ${tracked.error}`);
}

/**
 * Writes an escalation's status to its page now, through its Durable Object (after any decision being taken);
 * throws when Notion cannot be reached, and the cron's pass writes it.
 */
export async function followPageNow(
  env: Pick<Env, "ESCALATIONS">,
  escalation: Pick<Escalation, "id" | "tenant_id">,
): Promise<void> {
  const followed = await escalationObject(env, escalation.id).followPage({
    tenant_id: escalation.tenant_id,
    escalation_id: escalation.id,
  });
  if (typeof followed === "object") throw new Error(`page of escalation ${escalation.id}: ${followed.error}`);
}

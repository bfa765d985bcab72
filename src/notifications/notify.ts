/**
 * `notify(env, event)`: the one way code asks for people to be told something. It only enqueues (Cloudflare Queues);
 * the consumer (consumer.ts) delivers to the tenant's channels with retries, after the call that caused it answered.
 */
import { markUndeliverable } from "../db/notifications";
import type { Env } from "../env";
import { redactText } from "../redaction";
import { notificationEventSchema } from "./event.schema";

/** What happened, for the tenant's channels. Every text is already redacted by whoever builds it. */
export interface NotificationEvent {
  tenant_id: string;
  /** Stable per event: the receiver's idempotency key (at-most-once). */
  event_id: string;
  kind: "alert" | "budget_threshold" | "hold_expiring" | "incident_opened" | "incident_resolved";
  /** One line, no PII. */
  title: string;
  /** Redacted text only. */
  summary: string;
  /** The relevant Notion page or admin link. */
  url?: string;
  /** Channel names; absent: the tenant's default channels. */
  channels?: string[];
  facts: Record<string, string | number | boolean>;
  /** Notion page whose owners a Notion-comment channel mentions. */
  notion_page_id?: string;
}

/** The queue binding, which a deployment without Queues lacks (Env types it as always there). */
type MaybeQueued = { NOTIFICATIONS?: Queue<NotificationEvent> };

/**
 * Enqueues `event` for delivery and resolves; never rejects, so no call waits on or fails with a channel. The texts
 * pass the PII detectors once more on the way in. Without a queue binding, or when the queue refuses the message, the
 * event's deliveries are recorded as `undeliverable` (visible in GET /admin/notifications) instead.
 */
export async function notify(env: Env, event: NotificationEvent): Promise<void> {
  try {
    const parsed = notificationEventSchema.safeParse(scrubbed(event));
    if (!parsed.success) {
      console.error(`notification ${event.event_id} refused: ${parsed.error.issues[0]?.message ?? "invalid"}`);
      return;
    }
    const queue = (env as MaybeQueued).NOTIFICATIONS;
    if (queue) {
      try {
        await queue.send(parsed.data, { contentType: "json" });
        return;
      } catch (error) {
        console.error(`notification ${event.event_id} not queued: ${describe(error)}`);
        await markUndeliverable(env.DB, parsed.data, "the notification queue refused the event", new Date());
        return;
      }
    }
    await markUndeliverable(env.DB, parsed.data, "this deployment has no notification queue", new Date());
  } catch (error) {
    console.error(`notification ${event.event_id} lost: ${describe(error)}`);
  }
}

/** The event with its free texts and text facts passed through the PII detectors: payloads carry no raw PII. */
function scrubbed(event: NotificationEvent): NotificationEvent {
  const clean = (text: string) => redactText(text).text;
  return {
    ...event,
    title: clean(event.title),
    summary: clean(event.summary),
    facts: Object.fromEntries(
      Object.entries(event.facts).map(([key, value]) => [key, typeof value === "string" ? clean(value) : value]),
    ),
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

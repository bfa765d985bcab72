/**
 * The notification queue's consumer: delivers each event to its channels, one claimed attempt per channel and
 * message, records every attempt in D1, retries with exponential backoff through the queue, and gives a channel up
 * as a dead letter after {@link MAX_ATTEMPTS}.
 */
import {
  channelsFor,
  claimDelivery,
  deliveryRow,
  markUndeliverable,
  openDelivery,
  settleDelivery,
  type ChannelRow,
} from "../db/notifications";
import { attemptDelivery, type DeliveryDeps } from "./delivery";
import { notificationEventSchema } from "./event.schema";
import type { NotificationEvent } from "./notify";

/** Attempts per channel before its delivery is a dead letter. */
export const MAX_ATTEMPTS = 6;
/** The delay before the first retry, in seconds; each next one doubles it (30 s, 1, 2, 4, 8 min). */
export const FIRST_RETRY_SECONDS = 30;
/** A `sending` claim older than this was left by a consumer that died; its delivery may be attempted again. */
const CLAIM_STALE_MS = 5 * 60_000;

/** What the consumer reaches: D1 and what one attempt needs. */
export interface ConsumerDeps extends DeliveryDeps {
  db: D1Database;
}

/** The delay before attempt `attempts + 1`, after `attempts` failed ones (1 → 30 s, 2 → 60 s, … 5 → 480 s). */
export function retryDelaySeconds(attempts: number): number {
  return FIRST_RETRY_SECONDS * 2 ** Math.max(0, attempts - 1);
}

/**
 * Handles one batch: each message is acknowledged once every channel of its event is delivered, dead or
 * undeliverable, and retried (with the next backoff delay) while any channel still waits for another attempt.
 */
export async function consumeNotifications(deps: ConsumerDeps, batch: MessageBatch<unknown>): Promise<void> {
  for (const message of batch.messages) {
    const parsed = notificationEventSchema.safeParse(message.body);
    if (!parsed.success) {
      // A message this version cannot read would fail the same way forever.
      console.error(`notification message ${message.id} dropped: it is not a notification event`);
      message.ack();
      continue;
    }
    const next = await deliverEvent(deps, parsed.data);
    if (next === null) message.ack();
    else message.retry({ delaySeconds: next });
  }
}

/**
 * Delivers one event to each of its channels that still waits, once: a delivered or dead channel, or one another
 * consumer is sending to, is skipped. Returns the delay before the next attempt, or null when nothing waits.
 */
export async function deliverEvent(deps: ConsumerDeps, event: NotificationEvent): Promise<number | null> {
  const { channels, missing } = await channelsFor(deps.db, event.tenant_id, event.channels);
  if (missing.length > 0)
    await markUndeliverable(
      deps.db,
      { ...event, channels: missing },
      "the tenant has no channel of this name",
      deps.now(),
    );
  const now = deps.now().toISOString();
  if (channels.length > 0)
    await deps.db.batch(channels.map((channel) => openDelivery(deps.db, event, channel.name, now)));
  const waits = await Promise.all(channels.map((channel) => deliverToChannel(deps, channel, event)));
  const delays = waits.filter((wait): wait is number => wait !== null);
  return delays.length > 0 ? Math.min(...delays) : null;
}

/** One claimed attempt to one channel; the delay before the next one, or null when this channel is settled. */
async function deliverToChannel(
  deps: ConsumerDeps,
  channel: ChannelRow,
  event: NotificationEvent,
): Promise<number | null> {
  const key = { tenant_id: event.tenant_id, event_id: event.event_id, channel: channel.name };
  const now = deps.now();
  const claimed = await claimDelivery(
    deps.db,
    key,
    now.toISOString(),
    new Date(now.getTime() - CLAIM_STALE_MS).toISOString(),
  );
  const attempts = await attemptsOf(deps.db, key);
  // Another consumer holds a fresh claim: look again once it would have gone stale, in case that consumer died.
  if (!claimed) return attempts.status === "sending" ? CLAIM_STALE_MS / 1000 : null;
  const attempt = await attemptDelivery(deps, channel, event).catch(
    (error: unknown): Awaited<ReturnType<typeof attemptDelivery>> => ({
      ok: false,
      error: `the attempt failed: ${error instanceof Error ? error.message.slice(0, 200) : "unknown fault"}`,
      permanent: false,
    }),
  );
  const at = deps.now().toISOString();
  if (attempt.ok) {
    await settleDelivery(deps.db, key, { status: "delivered", error: null }, at);
    return null;
  }
  const dead = attempt.permanent || attempts.attempts >= MAX_ATTEMPTS;
  await settleDelivery(deps.db, key, { status: dead ? "dead" : "pending", error: attempt.error }, at);
  if (dead)
    console.error(`notification ${event.event_id} to channel ${channel.name} is a dead letter: ${attempt.error}`);
  return dead ? null : retryDelaySeconds(attempts.attempts);
}

async function attemptsOf(db: D1Database, key: { tenant_id: string; event_id: string; channel: string }) {
  const row = await deliveryRow(db, key);
  return { attempts: row?.attempts ?? 1, status: row?.status ?? "pending" };
}

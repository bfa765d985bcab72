/** Notification channels and deliveries (D1 `notification_channels`, `notifications`): named queries. */

/** A channel as stored: where a tenant's notifications go. Secrets are named, never held. */
export interface ChannelRow {
  tenant_id: string;
  name: string;
  kind: "webhook" | "slack" | "notion_comment";
  /** webhook: the receiver's HTTPS URL. */
  url: string | null;
  /** webhook: the Worker secret holding the signing secret; slack: the one holding the incoming-webhook URL. */
  secret_name: string | null;
  is_default: boolean;
  created_at: string;
}

/** The status of one event's delivery to one channel. */
export type DeliveryStatus = "pending" | "sending" | "delivered" | "dead" | "undeliverable";

/** One event's delivery to one channel, as GET /admin/notifications lists it. */
export interface DeliveryRow {
  tenant_id: string;
  event_id: string;
  channel: string;
  kind: string;
  title: string;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

const CHANNEL_COLUMNS = "tenant_id, name, kind, url, secret_name, is_default, created_at";

function channelFrom(row: Record<string, unknown>): ChannelRow {
  return { ...(row as unknown as ChannelRow), is_default: row.is_default === 1 };
}

/** Adds a channel; false when the tenant has one of that name already. */
export async function insertChannel(db: D1Database, channel: ChannelRow): Promise<boolean> {
  const result = await db
    .prepare(
      `INSERT INTO notification_channels (${CHANNEL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant_id, name) DO NOTHING`,
    )
    .bind(
      channel.tenant_id,
      channel.name,
      channel.kind,
      channel.url,
      channel.secret_name,
      channel.is_default ? 1 : 0,
      channel.created_at,
    )
    .run();
  return result.meta.changes === 1;
}

/** The tenant's channels, by name. */
export async function listChannels(db: D1Database, tenant_id: string): Promise<ChannelRow[]> {
  const { results } = await db
    .prepare(`SELECT ${CHANNEL_COLUMNS} FROM notification_channels WHERE tenant_id = ? ORDER BY name`)
    .bind(tenant_id)
    .all<Record<string, unknown>>();
  return results.map(channelFrom);
}

/** Removes a channel; false when there was none of that name. Its past deliveries stay listed. */
export async function deleteChannel(db: D1Database, tenant_id: string, name: string): Promise<boolean> {
  const result = await db
    .prepare("DELETE FROM notification_channels WHERE tenant_id = ? AND name = ?")
    .bind(tenant_id, name)
    .run();
  return result.meta.changes === 1;
}

/**
 * The channels an event goes to: those it names (a name the tenant has no channel for comes back in `missing`), or
 * the tenant's default channels when it names none.
 */
export async function channelsFor(
  db: D1Database,
  tenant_id: string,
  names: readonly string[] | undefined,
): Promise<{ channels: ChannelRow[]; missing: string[] }> {
  const all = await listChannels(db, tenant_id);
  if (names === undefined) return { channels: all.filter((channel) => channel.is_default), missing: [] };
  const wanted = [...new Set(names)];
  return {
    channels: all.filter((channel) => wanted.includes(channel.name)),
    missing: wanted.filter((name) => !all.some((channel) => channel.name === name)),
  };
}

/** What a delivery row needs to exist: the event it carries. */
export interface DeliveryEvent {
  tenant_id: string;
  event_id: string;
  kind: string;
  title: string;
}

/** Adds the event's delivery to `channel` as pending, unless it exists (a redelivered message adds nothing). */
export function openDelivery(db: D1Database, event: DeliveryEvent, channel: string, now: string): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO notifications (tenant_id, event_id, channel, kind, title, status, attempts, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (tenant_id, event_id, channel) DO NOTHING`,
    )
    .bind(event.tenant_id, event.event_id, channel, event.kind, event.title, now, now);
}

/**
 * Claims the next attempt of a delivery: true when this consumer may send it now (the row was pending, or was left
 * `sending` before `stale_before` by a consumer that died). A delivered, dead or freshly claimed row is never sent.
 */
export async function claimDelivery(
  db: D1Database,
  key: { tenant_id: string; event_id: string; channel: string },
  now: string,
  stale_before: string,
): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE notifications SET status = 'sending', attempts = attempts + 1, updated_at = ?
       WHERE tenant_id = ? AND event_id = ? AND channel = ?
         AND (status = 'pending' OR (status = 'sending' AND updated_at < ?))`,
    )
    .bind(now, key.tenant_id, key.event_id, key.channel, stale_before)
    .run();
  return result.meta.changes === 1;
}

/** Ends a claimed attempt: delivered, pending again (another attempt follows) or dead, with the error if it failed. */
export async function settleDelivery(
  db: D1Database,
  key: { tenant_id: string; event_id: string; channel: string },
  settled: { status: "delivered" | "pending" | "dead"; error: string | null },
  now: string,
): Promise<void> {
  await db
    .prepare(
      `UPDATE notifications SET status = ?, last_error = COALESCE(?, last_error), updated_at = ?,
         delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END
       WHERE tenant_id = ? AND event_id = ? AND channel = ?`,
    )
    .bind(settled.status, settled.error, now, settled.status, now, key.tenant_id, key.event_id, key.channel)
    .run();
}

/** One delivery's row (null when none). */
export async function deliveryRow(
  db: D1Database,
  key: { tenant_id: string; event_id: string; channel: string },
): Promise<DeliveryRow | null> {
  return db
    .prepare("SELECT * FROM notifications WHERE tenant_id = ? AND event_id = ? AND channel = ?")
    .bind(key.tenant_id, key.event_id, key.channel)
    .first<DeliveryRow>();
}

/**
 * Records an event that cannot be attempted (no queue, a channel name the tenant lacks) as `undeliverable` on each
 * channel it was for, with the reason; an event for no channel records one row under the channel name `-`.
 */
export async function markUndeliverable(
  db: D1Database,
  event: DeliveryEvent & { channels?: string[] },
  reason: string,
  at: Date,
): Promise<void> {
  const names = event.channels ?? (await channelsFor(db, event.tenant_id, undefined)).channels.map((c) => c.name);
  const now = at.toISOString();
  const statements = (names.length > 0 ? names : ["-"]).map((channel) =>
    db
      .prepare(
        `INSERT INTO notifications (tenant_id, event_id, channel, kind, title, status, attempts, last_error,
           created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'undeliverable', 0, ?, ?, ?) ON CONFLICT (tenant_id, event_id, channel) DO NOTHING`,
      )
      .bind(event.tenant_id, event.event_id, channel, event.kind, event.title, reason, now, now),
  );
  await db.batch(statements);
}

/** The tenant's deliveries, newest first, optionally only those of one status. */
export async function listDeliveries(
  db: D1Database,
  tenant_id: string,
  options: { status?: DeliveryStatus; limit: number },
): Promise<DeliveryRow[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM notifications WHERE tenant_id = ? AND (? IS NULL OR status = ?)
       ORDER BY created_at DESC, event_id, channel LIMIT ?`,
    )
    .bind(tenant_id, options.status ?? null, options.status ?? null, options.limit)
    .all<DeliveryRow>();
  return results;
}

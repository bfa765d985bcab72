/**
 * Records a Notion webhook event id for the tenant; false when it was already recorded (a replay). The primary key
 * makes the check and the insert one step, so two concurrent deliveries cannot both pass.
 */
export async function recordWebhookEvent(db: D1Database, tenant_id: string, event_id: string, now: Date) {
  const result = await db
    .prepare(
      "INSERT INTO notion_webhook_events (tenant_id, event_id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(tenant_id, event_id, now.toISOString())
    .run();
  return result.meta.changes > 0;
}

/** Forgets the webhook event ids received before `cutoff`; returns how many were deleted. */
export async function deleteWebhookEventsBefore(db: D1Database, cutoff: string): Promise<number> {
  const result = await db.prepare("DELETE FROM notion_webhook_events WHERE received_at < ?").bind(cutoff).run();
  return result.meta.changes;
}

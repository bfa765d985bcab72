import { z } from "zod";
import type { NotificationEvent } from "./notify";

/** A channel's name: 1 to 64 lower-case letters, digits, `_` or `-`, starting with a letter or digit. */
export const CHANNEL_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** The kinds of event Policy OS notifies about. */
export const EVENT_KINDS = [
  "alert",
  "budget_threshold",
  "hold_expiring",
  "incident_opened",
  "incident_resolved",
] as const;

/** A notification event as the queue carries it: checked again when the consumer takes it. */
export const notificationEventSchema = z.strictObject({
  tenant_id: z.string().min(1).max(200),
  event_id: z.string().min(1).max(200),
  kind: z.enum(EVENT_KINDS),
  title: z.string().min(1).max(300),
  summary: z.string().max(4000),
  url: z.url().optional(),
  channels: z.array(z.string().regex(CHANNEL_NAME)).max(20).optional(),
  facts: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  notion_page_id: z.string().min(1).max(64).optional(),
}) satisfies z.ZodType<NotificationEvent>;

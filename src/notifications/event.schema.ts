import { z } from "zod";
import { CHANNEL_NAME } from "../policy";
import type { NotificationEvent } from "./notify";

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

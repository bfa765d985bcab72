import { z } from "zod";
import { deleteWebhookEventsBefore } from "../db/notion-webhook-events";
import { sha256Hex } from "../ledger";
import { SYNCED_SOURCES, type NotionConnection, type SyncedSource } from "./connection";

// Event ids are stored by src/db/notion-webhook-events.ts; the webhook route records them through here.
export { recordWebhookEvent } from "../db/notion-webhook-events";

/** How old an event may be: beyond Notion's retry window (about a day), and well inside the dedupe retention. */
export const WEBHOOK_MAX_AGE_MS = 36 * 60 * 60 * 1000;

/** How long event ids are kept for dedupe; longer than WEBHOOK_MAX_AGE_MS so no accepted event is forgotten. */
export const WEBHOOK_RETENTION_MS = 48 * 60 * 60 * 1000;

/** Notion's one-off verification request: it carries the token, and nothing is signed. */
export const handshakeSchema = z.object({
  verification_token: z.string().min(1).max(1000).describe("The token the operator pastes into Notion"),
});

const reference = z.object({ id: z.string().min(1), type: z.string() });

/** A verified Notion webhook event, read loosely: only what routing, dedupe and authorship need. */
export const webhookEventSchema = z.object({
  id: z.string().min(1).max(200).describe("Notion's event id, the same on every retry"),
  timestamp: z.iso.datetime({ offset: true }).describe("When the change happened"),
  type: z.string().describe("e.g. page.properties_updated, data_source.schema_updated"),
  entity: reference.describe("What changed: a page, a data source, a comment…"),
  data: z
    .object({
      parent: reference
        .extend({ data_source_id: z.string().optional() })
        .optional()
        .describe("Where the entity lives; a page in a database names its data source"),
      updated_properties: z
        .array(z.unknown())
        .optional()
        .transform((ids) => ids?.filter((id) => typeof id === "string"))
        .describe("page.properties_updated: the ids of the properties the edit changed"),
    })
    .optional(),
  authors: z.array(reference).optional().describe("Who made the change: people, or bots such as this Worker"),
});
export type WebhookEvent = z.infer<typeof webhookEventSchema>;

/** Whether an event is too old to accept at `now`. */
export function isStale(event: Pick<WebhookEvent, "timestamp">, now: Date): boolean {
  return now.getTime() - Date.parse(event.timestamp) > WEBHOOK_MAX_AGE_MS;
}

/** Whether only bots made the change (such as this Worker writing Sync status); no authors means unknown. */
export function authoredOnlyByBots(event: Pick<WebhookEvent, "authors">): boolean {
  const authors = event.authors ?? [];
  return authors.length > 0 && authors.every((a) => a.type !== "person");
}

const sameId = (a: string, b: string) => a.replaceAll("-", "").toLowerCase() === b.replaceAll("-", "").toLowerCase();

/** The synced database an event touched, by its data source id; null for Approvals, Digests and anything else. */
export function syncedSourceOf(
  event: WebhookEvent,
  data_sources: NotionConnection["data_sources"],
): SyncedSource | null {
  const parent = event.data?.parent;
  const id = event.type.startsWith("data_source.")
    ? event.entity.id
    : (parent?.data_source_id ??
      (parent?.type === "data_source" || parent?.type === "database" ? parent.id : undefined));
  if (id === undefined) return null;
  return SYNCED_SOURCES.find((source) => data_sources[source] && sameId(data_sources[source], id)) ?? null;
}

/** The page an event touched in the tenant's Approvals database (where people decide), else null. */
export function approvalsPageOf(event: WebhookEvent, data_sources: NotionConnection["data_sources"]): string | null {
  return pageIn(event, data_sources.approvals);
}

/** The page an event touched in the tenant's Releases database (where managers accept), else null. */
export function releasesPageOf(event: WebhookEvent, data_sources: NotionConnection["data_sources"]): string | null {
  return data_sources.releases ? pageIn(event, data_sources.releases) : null;
}

function pageIn(event: WebhookEvent, data_source_id: string): string | null {
  if (event.entity.type !== "page" || !event.type.startsWith("page.")) return null;
  const parent = event.data?.parent;
  const id = parent?.data_source_id ?? (parent?.type === "data_source" ? parent.id : undefined);
  return id !== undefined && sameId(data_source_id, id) ? event.entity.id : null;
}

/** Forgets event ids older than WEBHOOK_RETENTION_MS (the cron calls it); returns how many were deleted. */
export async function pruneWebhookEvents(db: D1Database, now: Date): Promise<number> {
  return deleteWebhookEventsBefore(db, new Date(now.getTime() - WEBHOOK_RETENTION_MS).toISOString());
}

/**
 * The operator's log line for a verification token: where to read it and where to store it. It names the token
 * only by a fingerprint (the first 8 hex of its SHA-256), since secrets never reach logs.
 */
export async function handshakeNotice(tenant_id: string, token: string, webhook_secret: string | null) {
  const fingerprint = (await sha256Hex(token)).slice(0, 8);
  const store = webhook_secret
    ? `store it as the Worker secret ${webhook_secret} (\`wrangler secret put ${webhook_secret}\`)`
    : "store it as a Worker secret and name that secret in the connection's webhook_secret (it names none now)";
  return (
    `notion webhook: a verification token (sha256 ${fingerprint}…) arrived for tenant ${tenant_id}. ` +
    `Read it with GET /admin/notion/handshake?tenant=${tenant_id} (admin token), paste it into Notion's webhook ` +
    `settings to verify the subscription, then ${store}. It is not used until then.`
  );
}

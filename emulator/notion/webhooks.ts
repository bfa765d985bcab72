import type {
  BaseWebhookPayload,
  CommentCreatedWebhookPayload,
  DataSourceSchemaUpdatedWebhookPayload,
  PageContentUpdatedWebhookPayload,
  PageCreatedWebhookPayload,
  PageDeletedWebhookPayload,
  PagePropertiesUpdatedWebhookPayload,
  PageUndeletedWebhookPayload,
} from "@notionhq/client";

/** The webhook events the emulator sends, typed as @notionhq/client types Notion's payloads. */
export type WebhookEvent =
  | PageCreatedWebhookPayload
  | PagePropertiesUpdatedWebhookPayload
  | PageContentUpdatedWebhookPayload
  | PageDeletedWebhookPayload
  | PageUndeletedWebhookPayload
  | DataSourceSchemaUpdatedWebhookPayload
  | CommentCreatedWebhookPayload;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What a handler reports happened; the emulator adds the envelope (id, timestamp, workspace, authors). */
export type WebhookChange = DistributiveOmit<WebhookEvent, keyof BaseWebhookPayload>;

/** One signed delivery: the exact body, and the headers Notion sends with it. */
export interface WebhookDelivery {
  event: WebhookEvent;
  body: string;
  headers: { "content-type": "application/json"; "x-notion-signature": string };
}

/** The `X-Notion-Signature` value for a raw body: `sha256=<hex HMAC-SHA256(body, verification token)>`. */
export async function signWebhook(body: string, verificationToken: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(verificationToken),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(body)));
  return `sha256=${Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** Serialises and signs an event as Notion would deliver it. */
export async function signedDelivery(event: WebhookEvent, verificationToken: string): Promise<WebhookDelivery> {
  const body = JSON.stringify(event);
  return {
    event,
    body,
    headers: { "content-type": "application/json", "x-notion-signature": await signWebhook(body, verificationToken) },
  };
}

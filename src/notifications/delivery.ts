/** One attempt to deliver an event to one channel, as a value: delivered, or why not and whether a retry may mend it. */
import type { ChannelRow } from "../db/notifications";
import type { Secrets } from "../env";
import type { NotificationEvent } from "./notify";
import { slackBody, webhookBody } from "./payloads";
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signatureHeader } from "./signature";

/** An attempt's result. `permanent`: no retry can mend it (a missing secret, no page to comment on). */
export type Attempt = { ok: true } | { ok: false; error: string; permanent: boolean };

/** Comments on the event's Notion page, mentioning its owners (src/notion/notification-comment.ts). */
export type NotionCommenter = (event: NotificationEvent) => Promise<Attempt>;

/** What an attempt reaches outside itself. */
export interface DeliveryDeps {
  fetch: typeof fetch;
  /** The Worker's secrets by name: the channel names the ones it needs. */
  secrets: Secrets;
  notionComment: NotionCommenter;
  now: () => Date;
  /** How long a receiver may take to answer, in ms. */
  timeout_ms: number;
}

/** How long a webhook or Slack receiver may take to answer before the attempt counts as failed. */
export const RECEIVER_TIMEOUT_MS = 10_000;

/**
 * Makes one attempt to deliver `event` to `channel`. A webhook gets the signed JSON body, Slack its `{ text, blocks }`,
 * a Notion-comment channel a comment on the event's page. Any 2xx answer delivers; any other, a network fault or a
 * timeout is a failure a retry may mend. Errors name the status or fault, never a URL or a secret.
 */
export async function attemptDelivery(
  deps: DeliveryDeps,
  channel: ChannelRow,
  event: NotificationEvent,
): Promise<Attempt> {
  switch (channel.kind) {
    case "notion_comment":
      return deps.notionComment(event);
    case "slack": {
      const url = secretText(deps.secrets, channel.secret_name);
      if (!url) return missingSecret(channel.secret_name);
      return post(deps, url, JSON.stringify(slackBody(event)), { [EVENT_ID_HEADER]: event.event_id });
    }
    case "webhook": {
      const secret = secretText(deps.secrets, channel.secret_name);
      if (!secret) return missingSecret(channel.secret_name);
      const now = deps.now();
      const body = JSON.stringify(webhookBody(event, now.toISOString()));
      const signature = await signatureHeader(secret, Math.floor(now.getTime() / 1000), body);
      return post(deps, channel.url ?? "", body, {
        [EVENT_ID_HEADER]: event.event_id,
        [SIGNATURE_HEADER]: signature,
      });
    }
  }
}

async function post(deps: DeliveryDeps, url: string, body: string, headers: Record<string, string>): Promise<Attempt> {
  try {
    const response = await deps.fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "Policy-OS-Notifications", ...headers },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(deps.timeout_ms),
    });
    // The body is not needed; reading it frees the connection.
    await response.body?.cancel();
    if (response.status >= 200 && response.status < 300) return { ok: true };
    return { ok: false, error: `the receiver answered HTTP ${response.status}`, permanent: false };
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === "TimeoutError";
    return {
      ok: false,
      error: timedOut
        ? `the receiver did not answer within ${deps.timeout_ms} ms`
        : "the receiver could not be reached",
      permanent: false,
    };
  }
}

function secretText(secrets: Secrets, name: string | null): string | null {
  const value = name ? secrets[name] : undefined;
  return typeof value === "string" && value !== "" ? value : null;
}

function missingSecret(name: string | null): Attempt {
  return { ok: false, error: `the Worker secret ${name ?? "(none)"} is not set`, permanent: true };
}

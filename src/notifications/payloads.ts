/** What each kind of channel receives for an event: the webhook's JSON body and Slack's `{ text, blocks }`. */
import type { NotificationEvent } from "./notify";

/** The webhook's JSON body (docs/notifications.md, "Webhook body"). */
export function webhookBody(event: NotificationEvent, sent_at: string) {
  return {
    id: event.event_id,
    kind: event.kind,
    tenant_id: event.tenant_id,
    title: event.title,
    summary: event.summary,
    ...(event.url ? { url: event.url } : {}),
    facts: event.facts,
    sent_at,
  };
}

/** A Slack-compatible incoming-webhook payload: `text` for notifications, `blocks` for the message itself. */
export function slackBody(event: NotificationEvent) {
  const facts = Object.entries(event.facts).slice(0, 10);
  return {
    text: `${event.title}`,
    blocks: [
      { type: "header", text: { type: "plain_text", text: event.title.slice(0, 150) } },
      { type: "section", text: { type: "mrkdwn", text: escapeMrkdwn(event.summary).slice(0, 3000) || " " } },
      ...(facts.length > 0
        ? [
            {
              type: "section",
              fields: facts.map(([key, value]) => ({
                type: "mrkdwn",
                text: `*${escapeMrkdwn(key)}*\n${escapeMrkdwn(String(value)).slice(0, 1900)}`,
              })),
            },
          ]
        : []),
      ...(event.url ? [{ type: "context", elements: [{ type: "mrkdwn", text: `<${event.url}|Open>` }] }] : []),
      { type: "context", elements: [{ type: "mrkdwn", text: `Policy OS · ${event.kind} · ${event.event_id}` }] },
    ],
  };
}

/** Slack reads `&`, `<` and `>` as markup (links, mentions): escaped, a value cannot ping a channel. */
function escapeMrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

import type { CallAlert } from "../pipeline/ports";
import type { NotificationEvent } from "./notify";

/** Longest arguments text an alert's summary carries, in characters. */
const MAX_ARGUMENTS_TEXT = 1_500;

/**
 * The notifications of a call's alert: one per alert row, to the channels the row names (none: the tenant's default
 * channels), with the row's Notion page when `pageOf` knows it. The event id is stable per call and row, so a
 * deferred retry never notifies twice.
 */
export function alertEvents(alert: CallAlert, pageOf: (policy_id: string) => string | null): NotificationEvent[] {
  return alert.policies.map((policy) => {
    const page = pageOf(policy.policy_id);
    const args = alert.arguments === null ? "" : JSON.stringify(alert.arguments);
    const shownArgs = args.length > MAX_ARGUMENTS_TEXT ? `${args.slice(0, MAX_ARGUMENTS_TEXT)}…` : args;
    return {
      tenant_id: alert.tenant_id,
      event_id: `alert:${alert.invocation_id}:${policy.policy_id}`,
      kind: "alert",
      title: `${policy.name}: ${alert.agent.name} called ${alert.tool}`.slice(0, 300),
      summary:
        `Agent ${alert.agent.name} called ${alert.tool}; the call ${alert.outcome} (${alert.reason_code}).` +
        (shownArgs ? ` Arguments (redacted): ${shownArgs}` : ""),
      ...(policy.channels.length > 0 ? { channels: [...policy.channels] } : {}),
      facts: {
        policy_id: policy.policy_id,
        tool: alert.tool,
        agent: alert.agent.name,
        outcome: alert.outcome,
        reason_code: alert.reason_code,
        invocation_id: alert.invocation_id,
        at: alert.at,
      },
      ...(page ? { notion_page_id: page, url: notionPageUrl(page) } : {}),
    };
  });
}

/** A Notion page's link, as Notion shares it (the id without dashes). */
export function notionPageUrl(page_id: string): string {
  return `https://www.notion.so/${page_id.replaceAll("-", "")}`;
}

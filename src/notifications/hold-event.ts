import type { Escalation } from "../approvals/escalations";
import type { NotificationEvent } from "./notify";
import { notionPageUrl } from "./alert-event";

/**
 * The notification that a held call nears its expiry with no decision: one per escalation (its event id), to the
 * channels its holding policies name (none: the tenant's default channels), linking its Approvals page when it has one.
 */
export function holdExpiringEvent(
  escalation: Escalation,
  held: { agent_name: string; channels: readonly string[]; page_id: string | null },
): NotificationEvent {
  return {
    tenant_id: escalation.tenant_id,
    event_id: `hold:${escalation.id}`,
    kind: "hold_expiring",
    title: `A held call to ${escalation.tool} expires at ${escalation.expires_at} without a decision`.slice(0, 300),
    summary:
      `Agent ${held.agent_name} asked to call ${escalation.tool} (${escalation.reason_code}) at ${escalation.created_at}; ` +
      `it waits for ${escalation.approvers.length > 0 ? escalation.approvers.join(", ") : "the default approvers"} ` +
      `and will not run if nobody decides by ${escalation.expires_at}.`,
    ...(held.channels.length > 0 ? { channels: [...held.channels] } : {}),
    facts: {
      escalation_id: escalation.id,
      tool: escalation.tool,
      agent: held.agent_name,
      reason_code: escalation.reason_code,
      policy_ids: escalation.policy_ids.join(", "),
      policy_count: escalation.policy_count,
      expires_at: escalation.expires_at,
    },
    ...(held.page_id ? { url: notionPageUrl(held.page_id) } : {}),
  };
}

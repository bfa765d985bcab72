import { escalationFrom } from "../approvals/escalations";
import { escalationRow } from "../db/escalations";
import { snapshotFor } from "../db/policies";
import { getAgent, getTenant } from "../db/tenancy";
import type { Env } from "../env";
import { holdExpiringEvent } from "../notifications/hold-event";
import { notify } from "../notifications/notify";

/**
 * Tells the tenant's channels that an escalation still pending nears its expiry: to the channels its holding policies
 * name in the snapshot in force (none: the default channels). Nothing when it was decided meanwhile.
 */
export async function notifyHoldExpiring(env: Env, target: { tenant_id: string; escalation_id: string }) {
  const row = await escalationRow(env.DB, target.escalation_id, target.tenant_id);
  if (!row || row.status !== "pending") return;
  const escalation = escalationFrom(row);
  const [tenant, agent] = await Promise.all([
    getTenant(env.DB, target.tenant_id),
    getAgent(env.DB, target.tenant_id, escalation.agent_id),
  ]);
  const policies = tenant ? (await snapshotFor(env.DB, tenant)).policies : [];
  const channels = new Set(
    policies
      .filter((policy) => escalation.policy_ids.includes(policy.policy_id))
      .flatMap((policy) => policy.channels ?? []),
  );
  await notify(
    env,
    holdExpiringEvent(escalation, {
      agent_name: agent?.name ?? escalation.agent_id,
      channels: [...channels],
      page_id: typeof row.notion_page_id === "string" ? row.notion_page_id : null,
    }),
  );
}

import { expect } from "vitest";
import type { Agent } from "../../src/db/tenancy";
import { connectedTenant } from "../support/notion-tenant";
import { admin, call, connect } from "../support/worker";
import { escalationRow } from "./helpers";

/** The Notion user ids of ops (the agent's owner) and the requester (the person the agent acts for). */
export const OPS_ID = "a0000000-0000-4000-8000-000000000002";
export const REQUESTER_ID = "a0000000-0000-4000-8000-000000000003";
/** The refund held for the requester: over the policy's limit, so it needs an approval. */
export const refund = { customer_id: "cus_002", amount_cents: 75_000, reason: "damaged in transit" };

/**
 * A tenant whose agent ops owns and which acts for the requester (its Agents row's Acts for, and the admin API),
 * holding a refund asked for on the requester's behalf, its Approvals page written. Ops, manager and requester are
 * all approvers of the policy, so the separation-of-duties rules, not the approver list, leave only the manager.
 */
export async function heldForRequester() {
  const t = await connectedTenant({ approvers: ["ops", "manager", "requester"] });
  await admin("PATCH", `/agents/${t.agent_id}?tenant=${t.tenant}`, { acts_for: ["requester"] });
  await t.manager.pages.update({
    page_id: t.agentRow,
    properties: { Owner: { people: [{ id: OPS_ID }] }, "Acts for": { people: [{ id: REQUESTER_ID }] } },
  });
  expect((await admin("POST", `/sync?tenant=${t.tenant}`, { wait: true })).status).toBe(200);
  const agents = (await admin("GET", `/agents?tenant=${t.tenant}`)).body.agents as Agent[];
  expect(agents.find((agent) => agent.id === t.agent_id)).toMatchObject({
    owner: "ops@example.com",
    acts_for: ["requester"],
  });

  const agent = await connect(t.key);
  const held = await call(agent, "payments.create_refund", refund, { on_behalf_of: "requester" });
  expect(held.outcome).toMatchObject({ outcome: "pending_approval", escalation_id: expect.any(String) });
  const escalation_id = held.outcome.escalation_id!;
  let row = await escalationRow(escalation_id);
  for (let attempt = 0; !row?.notion_page_id && attempt < 200; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    row = await escalationRow(escalation_id);
  }
  expect(row).toMatchObject({ status: "pending", requested_for: "requester", notion_page_id: expect.any(String) });
  return { ...t, agent, escalation_id, page_id: row!.notion_page_id as string };
}

/** What {@link heldForRequester} made. */
export type Held = Awaited<ReturnType<typeof heldForRequester>>;

import { describe, expect, it } from "vitest";
import type { Agent } from "../../src/db/tenancy";
import { useEmulatorNetwork } from "../emulator/helpers";
import { connectedTenant, disconnectAfterEach } from "../support/notion-tenant";
import { admin, call, connect } from "../support/worker";

useEmulatorNetwork();
disconnectAfterEach();

const OPS_ID = "a0000000-0000-4000-8000-000000000002";
const lookup = { customer_id: "cus_001" };

async function agentOf(tenant: string, agent_id: string): Promise<Agent> {
  const agents = (await admin("GET", `/agents?tenant=${tenant}`)).body.agents as Agent[];
  return agents.find((agent) => agent.id === agent_id)!;
}

describe("the Agents database's Acts for and Workspaces", () => {
  it("govern whom the agent may act for and where, from the next sync on", async () => {
    const t = await connectedTenant();
    const client = await connect(t.key);
    // The agent is owned by the requester; ops is someone else.
    const asked = { on_behalf_of: "ops", workspace: "finance" };
    expect((await call(client, "payments.lookup_customer", lookup, asked)).outcome.denial?.code).toBe("not_acting_for");

    await t.manager.pages.update({
      page_id: t.agentRow,
      properties: {
        "Acts for": { people: [{ id: OPS_ID }] },
        Workspaces: { multi_select: [{ name: "finance" }] },
      },
    });
    expect((await admin("POST", `/sync?tenant=${t.tenant}`, { wait: true })).status).toBe(200);
    expect(await agentOf(t.tenant, t.agent_id)).toMatchObject({
      acts_for: ["ops@example.com"],
      workspaces: ["finance"],
    });
    expect((await call(client, "payments.lookup_customer", lookup, asked)).outcome.outcome).toBe("succeeded");

    await t.manager.pages.update({ page_id: t.agentRow, properties: { Workspaces: { multi_select: [] } } });
    expect((await admin("POST", `/sync?tenant=${t.tenant}`, { wait: true })).status).toBe(200);
    expect((await agentOf(t.tenant, t.agent_id)).workspaces).toEqual([]);
    expect((await call(client, "payments.lookup_customer", lookup, asked)).outcome.denial?.code).toBe(
      "workspace_not_allowed",
    );
  });
});

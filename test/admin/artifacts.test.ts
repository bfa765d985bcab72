import { Validator, type Schema } from "@cfworker/json-schema";
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import agentSchema from "../../docs/schemas/agent_contract.schema.json";
import mcpSchema from "../../docs/schemas/mcp_contract.schema.json";
import { bigRefund, decide } from "../approvals/helpers";
import { refundCap } from "../artifacts/state-fixture";
import { standardRows } from "../fixtures/policies";
import { ADMIN_TOKEN, BASE, admin, call, connect, newTenant } from "../support/worker";

/** An artifact as an operator downloads it. */
async function artifact(tenant: string, name: string) {
  const res = await SELF.fetch(`${BASE}/admin/artifacts/${name}?tenant=${tenant}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

function schemaErrors(schema: unknown, text: string) {
  const result = new Validator(schema as Schema, "2020-12", false).validate(parse(text));
  return result.valid ? [] : result.errors.map((error) => `${error.instanceLocation}: ${error.error}`);
}

/** A refund desk that has worked: one refund ran, one deletion was denied, one big refund was held and approved. */
async function busyDesk() {
  const desk = await newTenant({ rows: [...standardRows, refundCap] });
  const client = await connect(desk.key);
  await call(client, "payments.create_refund", { customer_id: "cus_002", amount_cents: 1_000, reason: "late" });
  await call(client, "crm.delete_contact", { contact_id: "con_001" });
  const held = await call(client, "payments.create_refund", bigRefund);
  await decide(held.outcome.escalation_id!, "approved");
  await call(client, "payments.create_refund", bigRefund, { escalation_id: held.outcome.escalation_id });
  return desk;
}

describe("GET /admin/artifacts/<name>", () => {
  it("renders the four artifacts from a seeded tenant's live state, each contract fitting its schema", async () => {
    const { tenant, key, agent_id } = await busyDesk();

    const mcp = await artifact(tenant, "mcp_contract.yaml");
    expect(mcp).toMatchObject({ status: 200, type: "application/yaml; charset=utf-8" });
    expect(schemaErrors(mcpSchema, mcp.text)).toEqual([]);
    const refund = parse(mcp.text).tools.find((tool: { name: string }) => tool.name === "payments.create_refund");
    expect(refund.policy_state[0]).toMatchObject({ state: "restricted", agents: ["support-bot"] });
    expect(refund.input_schema.properties.amount_cents).toBeDefined();

    const agents = await artifact(tenant, "agent_contract.yaml");
    expect(schemaErrors(agentSchema, agents.text)).toEqual([]);
    const [agent] = parse(agents.text).agents;
    expect(agent).toMatchObject({ id: agent_id, acts_for: { owner: "requester", others: [] }, approvers: ["manager"] });
    expect(agent.caps[0]).toMatchObject({ policy: "refund_daily_cap", cap: 100_000 });

    const outcome = await artifact(tenant, "outcome_contract.md");
    expect(outcome).toMatchObject({ status: 200, type: "text/markdown; charset=utf-8" });
    expect(outcome.text).toContain("| calls | 4 |");
    expect(outcome.text).toContain("| denial rate | 25.0% (1) |");
    expect(outcome.text).toContain("| hold rate | 25.0% (1) |");
    expect(outcome.text).toMatch(/\| `contact_deletion_blocked` \| `no_contact_deletion` \| .* \| no \| 1 \|/);
    expect(outcome.text).toMatch(/\| median time to approval decision \| \d+\.\d minutes \|/);

    const runbook = await artifact(tenant, "runbook.md");
    expect(runbook.text).toContain("## Incident procedure");

    // No API key, nor its hash, reaches an artifact.
    for (const text of [mcp.text, agents.text, outcome.text, runbook.text]) expect(text).not.toContain(key);
  });

  it("gives the same bytes while the state does not change", async () => {
    const { tenant } = await busyDesk();
    for (const name of ["mcp_contract.yaml", "agent_contract.yaml", "outcome_contract.md", "runbook.md"]) {
      const first = await artifact(tenant, name);
      expect((await artifact(tenant, name)).text).toBe(first.text);
    }
  });

  it("answers an unknown name with a structured 404 listing the artifacts", async () => {
    const { tenant } = await newTenant();
    const res = await artifact(tenant, "secrets.yaml");
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text)).toEqual({
      error: {
        code: "artifact_not_found",
        message:
          'No artifact "secrets.yaml"; ask for one of mcp_contract.yaml, agent_contract.yaml, outcome_contract.md, runbook.md.',
        details: {
          artifacts: ["mcp_contract.yaml", "agent_contract.yaml", "outcome_contract.md", "runbook.md"],
        },
      },
    });
    expect(await admin("GET", `/artifacts?tenant=${tenant}`)).toEqual({
      status: 200,
      body: { tenant, artifacts: ["mcp_contract.yaml", "agent_contract.yaml", "outcome_contract.md", "runbook.md"] },
    });
  });

  it("refuses without the admin token and for an unknown tenant", async () => {
    const res = await SELF.fetch(`${BASE}/admin/artifacts/runbook.md?tenant=x`);
    expect(res.status).toBe(401);
    expect((await artifact("no-such-tenant", "runbook.md")).status).toBe(404);
  });
});

import { Validator, type Schema } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import agentSchema from "../../docs/schemas/agent_contract.schema.json";
import mcpSchema from "../../docs/schemas/mcp_contract.schema.json";
import { renderAgentContract } from "../../src/artifacts/agent-contract";
import { renderMcpContract } from "../../src/artifacts/mcp-contract";
import { renderOutcomeContract } from "../../src/artifacts/outcome-contract";
import { renderRunbook } from "../../src/artifacts/runbook";
import type { ArtifactState } from "../../src/artifacts/state";
import { reordered, stateFixture } from "./state-fixture";

const renderers = {
  "mcp_contract.yaml": renderMcpContract,
  "agent_contract.yaml": renderAgentContract,
  "outcome_contract.md": renderOutcomeContract,
  "runbook.md": renderRunbook,
};

function validAgainst(schema: unknown, text: string) {
  const result = new Validator(schema as Schema, "2020-12", false).validate(parse(text));
  return result.valid ? [] : result.errors.map((error) => `${error.instanceLocation}: ${error.error}`);
}

describe("the operating artifacts, rendered from a plain state", () => {
  it("parse back as YAML that fits their published JSON Schemas", async () => {
    const state = await stateFixture();
    expect(validAgainst(mcpSchema, renderMcpContract(state))).toEqual([]);
    expect(validAgainst(agentSchema, renderAgentContract(state))).toEqual([]);
  });

  it("a contract that breaks its schema is caught by the check", async () => {
    const broken = renderMcpContract(await stateFixture()).replace("contract: mcp_contract", "contract: other");
    expect(validAgainst(mcpSchema, broken)).not.toEqual([]);
  });

  it("give the same bytes for the same state, and for the same rows in another order", async () => {
    const state = await stateFixture();
    for (const render of Object.values(renderers)) {
      const first = render(state);
      expect(render(await stateFixture())).toBe(first);
      expect(render(reordered(state))).toBe(first);
    }
  });

  it("change when the state changes", async () => {
    const state = await stateFixture();
    const renamed: ArtifactState = { ...state, tenant: { ...state.tenant, default_approvers: ["cfo"] } };
    expect(renderAgentContract(renamed)).not.toBe(renderAgentContract(state));
    expect(renderOutcomeContract(renamed)).not.toBe(renderOutcomeContract(state));
  });
});

describe("mcp_contract.yaml", () => {
  it("lists each tool with its version, schema, annotations, policy state and deciding policies", async () => {
    const contract = parse(renderMcpContract(await stateFixture()));
    expect(contract.tools.map((tool: { name: string }) => tool.name)).toEqual([
      "crm.delete_contact",
      "crm.get_contact",
      "payments.create_refund",
    ]);
    const refund = contract.tools.find((tool: { name: string }) => tool.name === "payments.create_refund");
    expect(refund.version).toBe("1.0.0");
    expect(refund.input_schema.required).toEqual(["customer_id", "amount_cents"]);
    expect(refund.annotations).toEqual({ destructiveHint: false, readOnlyHint: false });
    expect(refund.policy_state).toEqual([
      {
        state: "restricted",
        summary: "restricted (Refunds over $500 need a manager)",
        policies: ["refund_daily_cap", "refund_over_limit"],
        agents: ["support-bot"],
      },
    ]);
    expect(refund.policies).toEqual(["refund_daily_cap", "refund_over_limit", "shadow_refund_block"]);
    const deletion = contract.tools.find((tool: { name: string }) => tool.name === "crm.delete_contact");
    expect(deletion.policy_state[0].state).toBe("blocked");
    expect(contract.policies.map((policy: { id: string }) => policy.id)).toContain("no_contact_deletion");
  });

  it("shows a host's URL without its credentials or query", async () => {
    const state = await stateFixture();
    state.hosts.push({
      id: "tickets",
      kind: "mcp",
      label: "Tickets",
      url: "https://tickets.example/mcp",
      timeout_ms: 5000,
      authenticated: true,
      error: null,
    });
    const contract = parse(renderMcpContract(state));
    expect(contract.hosts.map((host: { id: string }) => host.id)).toEqual(["crm", "payments", "tickets"]);
    expect(contract.hosts[2]).toMatchObject({ authenticated: true, tool_count: 0 });
  });
});

describe("agent_contract.yaml", () => {
  it("says what each agent may see and do, whom it acts for, its caps and its approvers", async () => {
    const contract = parse(renderAgentContract(await stateFixture()));
    expect(contract.agents.map((agent: { id: string }) => agent.id)).toEqual(["agt_a", "agt_b"]);
    const [reader, support] = contract.agents;
    expect(reader.acts_for).toEqual({ owner: "ops", others: ["alex", "blake"] });
    expect(reader.tools.map((tool: { name: string }) => tool.name)).toEqual(["crm.get_contact"]);
    expect(reader.caps).toEqual([]);
    expect(support.acts_for).toEqual({ owner: "requester", others: [] });
    expect(support.workspaces).toEqual(["support"]);
    expect(support.tools.find((tool: { name: string }) => tool.name === "crm.delete_contact").state).toBe("blocked");
    expect(support.caps).toEqual([
      expect.objectContaining({
        policy: "refund_daily_cap",
        cap: 100_000,
        unit: "usd_cents",
        window: "day",
        per: "agent",
      }),
    ]);
    expect(support.approvers).toEqual(["manager"]);
  });

  it("names the tenant's approvers for a tool the default posture holds", async () => {
    const state = await stateFixture();
    state.policies = state.policies.filter((policy) => policy.policy_id !== "no_contact_deletion");
    state.tool_states = state.tool_states.map((row) =>
      row.tool === "crm.delete_contact"
        ? { ...row, state: "approval_required", policies: [], summary: "approval_required (default posture)" }
        : row,
    );
    const support = parse(renderAgentContract(state)).agents[1];
    expect(support.tools.find((tool: { name: string }) => tool.name === "crm.delete_contact").approvers).toEqual([
      "manager",
      "ops",
    ]);
  });
});

describe("outcome_contract.md", () => {
  it("describes every outcome field and every reason code in use with its retry semantics", async () => {
    const text = renderOutcomeContract(await stateFixture());
    for (const field of ["invocation_id", "capability_version", "denial", "decision", "evidence_ids", "completed_at"])
      expect(text).toContain(`| \`${field}\` |`);
    expect(text).toContain(
      "| `refund_over_limit` | `refund_over_limit` | Refunds over $500 need a manager's approval. | after approval | 2 |",
    );
    expect(text).toContain(
      "| `contact_deletion_blocked` | `no_contact_deletion` | Contacts are never deleted by agents. | no | 2 |",
    );
    expect(text).toContain("| `retired_code` | audit log | not defined by any policy in force | no | 1 |");
    expect(text).toContain("| `host_unavailable` | built-in |");
    expect(text).toContain("| `default_hold` | built-in |");
    expect(text).toContain("| `refund_over_100` | `shadow_refund_block` (Shadow) |");
  });

  it("reports success, denial and hold rates and the median time to approval", async () => {
    const text = renderOutcomeContract(await stateFixture());
    expect(text).toContain("| success rate | 60.0% (6) |");
    expect(text).toContain("| denial rate | 20.0% (2) |");
    expect(text).toContain("| hold rate | 20.0% (2) |");
    expect(text).toContain("| median time to approval decision | 12.5 minutes |");
    expect(text).toContain("destructive tools wait for approval (`destructive: hold`)");
    expect(text).toContain("- Default approvers: manager, ops");
  });

  it("says so when the audit log is empty", async () => {
    const state = await stateFixture();
    state.activity = { ...state.activity, window: null, calls: 0, by_decision: [], by_outcome: [], by_reason_code: [] };
    expect(renderOutcomeContract(state)).toContain("The audit log holds no calls yet.");
  });
});

describe("runbook.md", () => {
  it("lists each runbook's checks, its incident sections and the tools no runbook covers, and the incident procedure", async () => {
    const text = renderRunbook(await stateFixture());
    expect(text).toContain("### Refunds over the limit");
    expect(text).toContain("- [ ] The order exists and was paid.");
    expect(text).toContain("- Linked from the Tools rows of: `payments.create_refund`");
    expect(text).toContain("Tools no Active runbook covers: `crm.delete_contact`, `crm.get_contact`.");
    expect(text).toContain(
      "Recovery:\n\n- Wait for the payments host to be healthy.\n- Retry held refunds once it is.",
    );
    expect(text).toContain("Operator lanes:\n\n- On-call: restores the host.");
    expect(text).toContain("Rollback:\n\n- (none written)");
    expect(text).toContain("1. See what is open: `policy-os incidents`");
  });
});

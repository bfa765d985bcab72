import { DEFAULT_POSTURE, compilePolicies, toolPolicyState } from "../../src/policy";
import { plainPolicyRow } from "../../src/artifacts/policy-view";
import type { ArtifactState, ArtifactTool } from "../../src/artifacts/state";
import { dailyRefundCapColumns, standardRows } from "../fixtures/policies";

/** The daily refund cap as a whole Policies row. */
export const refundCap = {
  Name: "Refunds cap at $1,000 a day",
  "Policy ID": "refund_daily_cap",
  Status: "Active",
  ...dailyRefundCapColumns,
};

const tools: ArtifactTool[] = [
  {
    name: "payments.create_refund",
    host: "payments",
    title: "Create refund",
    description: "Refund a customer.",
    version: "1.0.0",
    input_schema: {
      type: "object",
      properties: { customer_id: { type: "string" }, amount_cents: { type: "integer" } },
      required: ["customer_id", "amount_cents"],
    },
    annotations: { readOnlyHint: false, destructiveHint: false },
    demo: true,
  },
  {
    name: "crm.delete_contact",
    host: "crm",
    title: null,
    description: "Delete a contact.",
    version: "1.0.0",
    input_schema: { type: "object", properties: { contact_id: { type: "string" } } },
    annotations: { destructiveHint: true },
    demo: true,
  },
  {
    name: "crm.get_contact",
    host: "crm",
    title: null,
    description: "Read a contact.",
    version: "1.0.0",
    input_schema: { type: "object", properties: { contact_id: { type: "string" } } },
    annotations: { readOnlyHint: true },
    demo: true,
  },
];

/** A tenant's state as gather.ts would read it: two hosts, three tools, two agents, the standard rows and a cap. */
export async function stateFixture(): Promise<ArtifactState> {
  const { snapshot, rejected } = await compilePolicies([...standardRows, refundCap], { posture: DEFAULT_POSTURE });
  if (rejected.length > 0) throw new Error(JSON.stringify(rejected));
  const agents = [
    {
      id: "agt_b",
      name: "support-bot",
      owner: "requester",
      status: "active",
      scopes: [],
      allowed_tools: ["*"],
      acts_for: [],
      workspaces: ["support"],
    },
    {
      id: "agt_a",
      name: "crm-reader",
      owner: "ops",
      status: "active",
      scopes: ["crm"],
      allowed_tools: ["crm.get_contact"],
      acts_for: ["alex", "blake"],
      workspaces: [],
    },
  ];
  const tool_states = agents.flatMap((agent) =>
    tools
      .filter((tool) => agent.allowed_tools.includes("*") || agent.allowed_tools.includes(tool.name))
      .map((tool) => ({
        tool: tool.name,
        agent_id: agent.id,
        ...toolPolicyState(snapshot, { name: tool.name, host: tool.host, annotations: tool.annotations }, agent),
      })),
  );
  return {
    tenant: {
      id: "acme",
      name: "Acme",
      posture: DEFAULT_POSTURE,
      default_approvers: ["ops", "manager"],
      snapshot_hash: snapshot.hash,
      approvals: { ttl_seconds: 86_400, reminder_seconds: 3_600 },
    },
    hosts: [
      {
        id: "payments",
        kind: "demo",
        label: "Payments (demo host)",
        url: null,
        timeout_ms: 10_000,
        authenticated: false,
        error: null,
      },
      {
        id: "crm",
        kind: "demo",
        label: "CRM (demo host)",
        url: null,
        timeout_ms: 10_000,
        authenticated: false,
        error: null,
      },
    ],
    tools,
    agents,
    policies: snapshot.policies.map(plainPolicyRow),
    tool_states,
    runbooks: [
      {
        page_id: "page-refunds",
        name: "Refunds over the limit",
        tools: ["payments.create_refund"],
        checks: "The order exists and was paid.\nThe amount is not more than what was paid.",
        recovery: "Wait for the payments host to be healthy.\nRetry held refunds once it is.",
        operator_lanes: "On-call: restores the host.",
        rollback: "",
        status: "Active",
      },
    ],
    tool_runbooks: [{ tool: "payments.create_refund", runbook_page_id: "page-refunds" }],
    activity: {
      window: { from: "2026-11-06T10:00:00.001Z", to: "2026-12-06T10:00:00.001Z" },
      calls: 10,
      by_decision: [
        { key: "authorized", n: 6 },
        { key: "denied", n: 2 },
        { key: "escalated", n: 2 },
      ],
      by_outcome: [
        { key: "succeeded", n: 6 },
        { key: "denied", n: 2 },
        { key: "pending_approval", n: 2 },
      ],
      by_reason_code: [
        { reason_code: "refund_over_limit", calls: 2 },
        { reason_code: "contact_deletion_blocked", calls: 2 },
        { reason_code: "retired_code", calls: 1 },
      ],
      escalations: { held: 2, approved: 1, denied: 0, expired: 0, pending: 1 },
      median_minutes_to_decision: 12.5,
    },
  };
}

/**
 * The same state with every list of rows or names in reverse order (a tool's input schema is content, and keeps
 * its own) and every object's keys in reverse order.
 */
export function reordered(state: ArtifactState): ArtifactState {
  const rows = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rows).reverse();
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, key === "input_schema" ? v : rows(v)]));
  };
  return keysReversed(rows(state)) as ArtifactState;
}

function keysReversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keysReversed);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, v]) => [key, keysReversed(v)]),
  );
}

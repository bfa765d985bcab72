import { listAgents, type Agent, type Tenant } from "../db/tenancy";
import { snapshotFor } from "../db/policies";
import { weekActivity } from "../db/week-activity";
import type { Env } from "../env";
import { hostRegistryFor } from "../hosts";
import { matchesGlob, toolPolicyState } from "../policy";
import { plainPolicyRow } from "./policy-view";
import type { ArtifactActivity, ArtifactAgent, ArtifactHost, ArtifactState } from "./state";

const THIRTY_DAYS_MS = 30 * 86_400_000;

/**
 * Reads a tenant's live state for the artifacts: catalog and hosts (through the host registry), agents, the policy
 * snapshot in force, runbooks, and the audit log's last 30 days (ending at its latest call, so the same state gives
 * the same figures whenever it is read). Never reads a secret, key hash or token.
 */
export async function gatherArtifactState(env: Env, tenant: Tenant): Promise<ArtifactState> {
  const db = env.DB;
  const registry = hostRegistryFor(env);
  const [tools, hosts, agents, snapshot, runbooks, links, activity] = await Promise.all([
    registry.catalog(tenant.id),
    registry.listHosts(tenant.id),
    listAgents(db, tenant.id),
    snapshotFor(db, tenant),
    db
      .prepare(
        "SELECT page_id, name, tools, checks, recovery, operator_lanes, rollback, status FROM runbooks WHERE tenant_id = ?",
      )
      .bind(tenant.id)
      .all<{
        page_id: string;
        name: string;
        tools: string;
        checks: string;
        recovery: string;
        operator_lanes: string;
        rollback: string;
        status: string;
      }>(),
    db
      .prepare("SELECT tool, runbook_page_id FROM tool_settings WHERE tenant_id = ? AND runbook_page_id IS NOT NULL")
      .bind(tenant.id)
      .all<{ tool: string; runbook_page_id: string }>(),
    activityOf(db, tenant.id),
  ]);

  const tool_states = agents.flatMap((agent) => {
    const facts = { id: agent.id, name: agent.name, owner: agent.owner, scopes: agent.scopes };
    return tools
      .filter((tool) => agent.allowed_tools.some((pattern) => matchesGlob(pattern, tool.name)))
      .map((tool) => ({
        tool: tool.name,
        agent_id: agent.id,
        ...toolPolicyState(snapshot, { name: tool.name, host: tool.host, annotations: tool.annotations }, facts),
      }));
  });

  return {
    tenant: {
      id: tenant.id,
      name: tenant.name,
      posture: tenant.posture,
      default_approvers: tenant.default_approvers,
      snapshot_hash: tenant.snapshot_hash,
      approvals: tenant.approvals,
    },
    hosts: hosts.map((host): ArtifactHost => ({
      id: host.id,
      kind: host.kind,
      label: host.label,
      url: host.url === null ? null : shownUrl(host.url),
      timeout_ms: host.timeout_ms,
      authenticated: host.auth_secret !== null,
      error: host.error,
    })),
    tools: tools.map((tool) => ({
      name: tool.name,
      host: tool.host,
      title: tool.title,
      description: tool.description,
      version: tool.version,
      input_schema: tool.input_schema,
      annotations: tool.annotations,
      demo: tool.demo,
    })),
    agents: agents.map(agentOf),
    policies: snapshot.policies.map(plainPolicyRow),
    tool_states,
    runbooks: (runbooks.results ?? []).map((row) => ({
      page_id: row.page_id,
      name: row.name,
      tools: JSON.parse(row.tools) as string[],
      checks: row.checks,
      recovery: row.recovery,
      operator_lanes: row.operator_lanes,
      rollback: row.rollback,
      status: row.status,
    })),
    tool_runbooks: links.results ?? [],
    activity,
  };
}

/** The agent as the contract shows it. */
function agentOf(agent: Agent): ArtifactAgent {
  return {
    id: agent.id,
    name: agent.name,
    owner: agent.owner,
    status: agent.status,
    scopes: agent.scopes,
    allowed_tools: agent.allowed_tools,
    acts_for: agent.acts_for,
    workspaces: agent.workspaces,
  };
}

/** A host URL without credentials, query or fragment, which may carry secrets. */
function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return "(not a URL)";
  }
}

async function activityOf(db: D1Database, tenant_id: string): Promise<ArtifactActivity> {
  const latest = await db
    .prepare("SELECT MAX(created_at) AS latest FROM audit_log WHERE tenant_id = ?")
    .bind(tenant_id)
    .first<{ latest: string | null }>();
  const empty = { held: 0, approved: 0, denied: 0, expired: 0, pending: 0 };
  if (!latest?.latest)
    return {
      window: null,
      calls: 0,
      by_decision: [],
      by_outcome: [],
      by_reason_code: [],
      escalations: empty,
      median_minutes_to_decision: null,
    };
  const end = Date.parse(latest.latest) + 1;
  const window = { from: new Date(end - THIRTY_DAYS_MS).toISOString(), to: new Date(end).toISOString() };
  const week = await weekActivity(db, tenant_id, window, window, window.to, {
    reason_codes: 1_000,
    tools: 0,
    denied_agents: 0,
    break_glass: 0,
  });
  const n = (value: number | null | undefined) => value ?? 0;
  return {
    window,
    calls: n(week.totals.calls),
    by_decision: week.by_decision.map((row) => ({ key: row.key, n: n(row.n) })),
    by_outcome: week.by_outcome.map((row) => ({ key: row.key, n: n(row.n) })),
    by_reason_code: week.by_reason_code.map((row) => ({ reason_code: row.reason_code, calls: n(row.calls) })),
    escalations: {
      held: n(week.escalations.held),
      approved: n(week.escalations.approved),
      denied: n(week.escalations.denied),
      expired: n(week.escalations.expired),
      pending: n(week.escalations.pending),
    },
    median_minutes_to_decision: week.median_minutes,
  };
}

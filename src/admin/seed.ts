import policies from "../../notion-templates/policies.json";
import { replacePolicyRows } from "../db/policies";
import { DEFAULT_RELEASE_SETTINGS, putReleaseSettings } from "../db/releases";
import { insertChannel } from "../db/notifications";
import { agentExists, keepOnlyKey } from "../db/seed";
import {
  createAgent,
  createTenant,
  getAgent,
  getTenant,
  hashApiKey,
  issueKey,
  updateAgent,
  type Tenant,
} from "../db/tenancy";
import { LOCAL_DEFAULTS, type Env } from "../env";
import { enableDemoHosts } from "../hosts";

/** The seeded demo agent's id. */
export const DEMO_AGENT_ID = "agt_demo";

/**
 * Whom the demo agent acts for besides its owner, and where, as notion-templates/agents.json's sample row says: the
 * demo shows ops's own request refused to ops.
 */
const DEMO_REACH = { scopes: ["support"], acts_for: ["ops"], workspaces: ["support"] };

/**
 * Local dev only: the demo tenant with the sample policies of notion-templates/policies.json, the built-in demo
 * hosts, a demo agent whose key is DEMO_AGENT_KEY (or the documented default), and the `finance` channel the sample
 * alert row names (a comment on the row's Notion page). Idempotent; policies are seeded only while the tenant has
 * none, so local edits survive a restart.
 */
export async function seedDemo(env: Env, now: string) {
  const db = env.DB;
  const id = LOCAL_DEFAULTS.demoTenantId;
  let tenant: Tenant | null = await getTenant(db, id);
  tenant ??= await createTenant(db, { id, name: "Demo tenant", default_approvers: ["ops", "manager"] }, now);
  if (!tenant) throw new Error("the demo tenant could not be created");
  await enableDemoHosts(db, id);

  const key = env.DEMO_AGENT_KEY || LOCAL_DEFAULTS.demoAgentKey;
  // The demo agent answers to exactly the key this start was given: earlier demo keys stop working.
  if (!(await agentExists(db, DEMO_AGENT_ID)))
    await createAgent(db, id, { id: DEMO_AGENT_ID, name: "demo-agent", owner: "requester", ...DEMO_REACH, key }, now);
  else {
    if (!(await keepOnlyKey(db, DEMO_AGENT_ID, await hashApiKey(key), now)))
      await issueKey(db, id, DEMO_AGENT_ID, now, key);
    // A demo agent seeded before agents said whom they act for gets the sample's, so the demo's steps still run.
    const agent = await getAgent(db, id, DEMO_AGENT_ID);
    if (agent && agent.acts_for.length === 0 && agent.workspaces.length === 0)
      await updateAgent(db, id, DEMO_AGENT_ID, DEMO_REACH);
  }

  // "Finance hears about every refund": each refund's alert comments on that row's page, mentioning its owners.
  await insertChannel(db, {
    tenant_id: id,
    name: "finance",
    kind: "notion_comment",
    url: null,
    secret_name: null,
    is_default: false,
    created_at: now,
  });

  let seededPolicies = 0;
  if (!tenant.snapshot_hash) {
    // A local demo has a handful of recorded calls, so any edit changes more than 5% of them: the demo tenant's
    // releases are held only by a broken golden task, and a manager's edit takes effect at once, as the demo shows.
    await putReleaseSettings(db, id, { ...DEFAULT_RELEASE_SETTINGS, threshold_pct: 100 });
    const result = await replacePolicyRows(db, tenant, policies.sample_rows, now);
    if (!result.ok) throw new Error(`sample policies do not compile: ${JSON.stringify(result.rejected)}`);
    seededPolicies = policies.sample_rows.length;
  }
  return { tenant: id, agent: DEMO_AGENT_ID, policies_seeded: seededPolicies };
}

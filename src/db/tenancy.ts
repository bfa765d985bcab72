import { z } from "zod";
import { sha256Hex } from "../ledger";
import { DEFAULT_POSTURE, type DefaultPosture } from "../policy";
import { newApiKey, newId } from "../ids";

/** A tenant as the request path needs it. */
export interface Tenant {
  id: string;
  name: string;
  posture: DefaultPosture;
  default_approvers: string[];
  snapshot_hash: string | null;
  approvals: ApprovalTiming;
  /** What Claude may cost this tenant per calendar month (UTC), in US cents; past it, pages use templates. */
  claude_monthly_cap_cents: number;
  /** When the weekly digest of the week before is written: UTC weekday (0 Sunday … 6 Saturday) and hour. */
  digest: { weekday: number; hour: number };
}

/** How a tenant's held calls wait: for how long, and when their approvers are reminded (null: never). */
export interface ApprovalTiming {
  ttl_seconds: number;
  reminder_seconds: number | null;
}

/** A held call waits a day, and its approvers are reminded after an hour, unless the tenant says otherwise. */
export const DEFAULT_APPROVAL_TIMING: ApprovalTiming = { ttl_seconds: 86_400, reminder_seconds: 3_600 };

/** Claude may cost $5 a month per tenant; the digest of last week is written on Monday at 08:00 UTC. */
export const DEFAULT_CLAUDE_MONTHLY_CAP_CENTS = 500;
export const DEFAULT_DIGEST_SCHEDULE = { weekday: 1, hour: 8 } as const;

/** An agent as the request path needs it. */
export interface Agent {
  id: string;
  tenant_id: string;
  name: string;
  owner: string | null;
  status: "active" | "suspended";
  scopes: string[];
  allowed_tools: string[];
  /** The people it may act for with its API key (names or emails, as policies name people); its owner always. */
  acts_for: string[];
  /** The workspaces it may name in `_meta.workspace`; empty: none. */
  workspaces: string[];
}

/**
 * How the caller proved who it is. `key`: a Policy OS API key, which names the agent only (whom it may act for is
 * the Agents row's to say). `token`: an OAuth access token verified against one of the tenant's authorization
 * servers; `person` is the verified person the agent acts for (the token's subject, named as policies name people),
 * `client_id` the OAuth client the token was issued to.
 */
export type CallerProof =
  { via: "key" } | { via: "token"; issuer: string; subject: string; person: string; client_id: string | null };

/** Who is calling: the tenant and agent a verified API key or access token belongs to, and how that was proven. */
export interface Principal {
  tenant: Tenant;
  agent: Agent;
  /** Absent on principals made before proofs were recorded; read it as `{ via: "key" }`. */
  proof?: CallerProof;
}

/** Why a key was refused. */
export type KeyRefusal = "missing_key" | "unknown_key" | "revoked_key" | "agent_suspended";

const postureSchema = z.object({
  read_only: z.enum(["allow", "hold", "deny"]),
  write: z.enum(["allow", "hold", "deny"]),
  destructive: z.enum(["allow", "hold", "deny"]),
  unannotated: z.enum(["allow", "hold", "deny"]),
});

/** Input for creating a tenant (admin API). */
export const newTenantSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{1,62}$/, "lower-case letters, digits, _ and -, 2 to 63 characters")
    .describe("Tenant id, used in every admin call"),
  name: z.string().min(1).max(200).describe("Display name"),
  default_posture: postureSchema.partial().optional().describe("What happens to calls no policy matches"),
  default_approvers: z.array(z.string().min(1).max(200)).max(100).optional(),
  demo_hosts: z.boolean().optional().describe("Enable the built-in demo hosts for this tenant"),
  approval_ttl_seconds: z
    .int()
    .min(1)
    .max(30 * 86_400)
    .optional()
    .describe("How long a held call waits for a decision (default a day)"),
  approval_reminder_seconds: z
    .int()
    .min(1)
    .max(30 * 86_400)
    .nullable()
    .optional()
    .describe("How long an undecided approval page waits before its approvers are reminded (null: never)"),
  claude_monthly_cap_cents: z
    .int()
    .min(0)
    .max(10_000_000)
    .optional()
    .describe("What Claude may cost per month, in US cents (default 500; 0: templates only)"),
  digest_weekday: z.int().min(0).max(6).optional().describe("UTC weekday the weekly digest is written (0 Sunday)"),
  digest_hour: z.int().min(0).max(23).optional().describe("UTC hour the weekly digest is written"),
});

/** Input for changing a tenant's settings (admin API). */
export const tenantSettingsSchema = newTenantSchema
  .pick({
    name: true,
    default_approvers: true,
    approval_ttl_seconds: true,
    approval_reminder_seconds: true,
    claude_monthly_cap_cents: true,
    digest_weekday: true,
    digest_hour: true,
  })
  .partial();

/** Input for creating an agent (admin API). */
export const newAgentSchema = z.strictObject({
  name: z.string().min(1).max(200).describe("Agent name, shown in audit rows and policies"),
  owner: z.string().min(1).max(200).nullable().optional().describe("The person the agent belongs to"),
  scopes: z.array(z.string().min(1).max(100)).max(100).optional(),
  allowed_tools: z.array(z.string().min(1).max(200)).max(500).optional().describe("Tool globs the agent may see"),
  acts_for: z
    .array(z.string().trim().min(1).max(200))
    .max(500)
    .optional()
    .describe("People the agent may act for with its API key, by name or email (its owner always)"),
  workspaces: z
    .array(z.string().trim().min(1).max(200))
    .max(100)
    .optional()
    .describe("Workspaces the agent may name in _meta.workspace (none when empty)"),
});

/** Input for changing an agent (admin API): its status, whom it may act for, its workspaces. */
export const agentSettingsSchema = newAgentSchema
  .pick({ acts_for: true, workspaces: true })
  .extend({ status: z.enum(["active", "suspended"]).optional() });

const jsonArray = (text: string) => z.array(z.string()).parse(JSON.parse(text));

/** A tenant from its D1 row, or from a join that names its columns `tenant_id`, `tenant_name` and the rest. */
export function tenantFrom(row: Record<string, unknown>): Tenant {
  return {
    id: String(row.tenant_id ?? row.id),
    name: String(row.tenant_name ?? row.name),
    posture: { ...DEFAULT_POSTURE, ...postureSchema.partial().parse(JSON.parse(String(row.default_posture))) },
    default_approvers: jsonArray(String(row.default_approvers)),
    snapshot_hash: (row.snapshot_hash as string | null) ?? null,
    approvals: {
      ttl_seconds: Number(row.approval_ttl_seconds ?? DEFAULT_APPROVAL_TIMING.ttl_seconds),
      reminder_seconds:
        row.approval_reminder_seconds === undefined
          ? DEFAULT_APPROVAL_TIMING.reminder_seconds
          : row.approval_reminder_seconds === null
            ? null
            : Number(row.approval_reminder_seconds),
    },
    claude_monthly_cap_cents: Number(row.claude_monthly_cap_cents ?? DEFAULT_CLAUDE_MONTHLY_CAP_CENTS),
    digest: {
      weekday: Number(row.digest_weekday ?? DEFAULT_DIGEST_SCHEDULE.weekday),
      hour: Number(row.digest_hour ?? DEFAULT_DIGEST_SCHEDULE.hour),
    },
  };
}

/** An agent from its D1 row, or from a join that names its columns `agent_id`, `agent_name` and the rest. */
export function agentFrom(row: Record<string, unknown>): Agent {
  return {
    id: String(row.agent_id ?? row.id),
    tenant_id: String(row.tenant_id),
    name: String(row.agent_name ?? row.name),
    owner: (row.owner as string | null) ?? null,
    status: row.status === "suspended" ? "suspended" : "active",
    scopes: jsonArray(String(row.scopes)),
    allowed_tools: jsonArray(String(row.allowed_tools)),
    acts_for: jsonArray(String(row.acts_for ?? "[]")),
    workspaces: jsonArray(String(row.workspaces ?? "[]")),
  };
}

/** SHA-256 of an API key: the only form in which keys are stored. */
export function hashApiKey(key: string): Promise<string> {
  return sha256Hex(key);
}

/**
 * The agent's (`a`) and tenant's (`t`) columns a principal is read from with {@link agentFrom} and
 * {@link tenantFrom}, whichever credential found it (a key, an OAuth client, or none for a held call run later).
 */
export const PRINCIPAL_COLUMNS = `a.tenant_id, a.id AS agent_id, a.name AS agent_name, a.owner, a.status, a.scopes,
  a.allowed_tools, a.acts_for, a.workspaces, t.name AS tenant_name, t.default_posture, t.default_approvers,
  t.snapshot_hash, t.approval_ttl_seconds, t.approval_reminder_seconds`;

/** Finds the principal an API key (given as its hash) belongs to, or why it is refused. One D1 query. */
export async function principalForKeyHash(db: D1Database, key_hash: string): Promise<Principal | KeyRefusal> {
  const row = await db
    .prepare(
      `SELECT c.revoked_at, ${PRINCIPAL_COLUMNS}
         FROM api_keys c JOIN agents a ON a.id = c.agent_id AND a.tenant_id = c.tenant_id
         JOIN tenants t ON t.id = c.tenant_id
        WHERE c.key_hash = ?`,
    )
    .bind(key_hash)
    .first<Record<string, unknown>>();
  if (!row) return "unknown_key";
  if (row.revoked_at) return "revoked_key";
  const agent = agentFrom(row);
  if (agent.status === "suspended") return "agent_suspended";
  return { tenant: tenantFrom(row), agent };
}

/**
 * The principal of a tenant's agent, read now, for work done on its behalf outside a request (a held call run when a
 * person decides); null when the agent is gone or suspended. The caller adds the proof the agent gave then.
 */
export async function principalOfAgent(
  db: D1Database,
  tenant_id: string,
  agent_id: string,
): Promise<Omit<Principal, "proof"> | null> {
  const row = await db
    .prepare(
      `SELECT ${PRINCIPAL_COLUMNS}
         FROM agents a JOIN tenants t ON t.id = a.tenant_id
        WHERE a.tenant_id = ? AND a.id = ?`,
    )
    .bind(tenant_id, agent_id)
    .first<Record<string, unknown>>();
  if (!row) return null;
  const agent = agentFrom(row);
  return agent.status === "suspended" ? null : { tenant: tenantFrom(row), agent };
}

/** Reads one tenant, or null. */
export async function getTenant(db: D1Database, id: string): Promise<Tenant | null> {
  const row = await db.prepare("SELECT * FROM tenants WHERE id = ?").bind(id).first<Record<string, unknown>>();
  return row ? tenantFrom(row) : null;
}

/** Lists tenants (admin). */
export async function listTenants(db: D1Database): Promise<Tenant[]> {
  const { results } = await db.prepare("SELECT * FROM tenants ORDER BY id").all<Record<string, unknown>>();
  return results.map(tenantFrom);
}

/** Creates a tenant; returns null when the id is taken. */
export async function createTenant(
  db: D1Database,
  input: z.infer<typeof newTenantSchema>,
  now: string,
): Promise<Tenant | null> {
  const posture = { ...DEFAULT_POSTURE, ...input.default_posture };
  const approvals: ApprovalTiming = {
    ttl_seconds: input.approval_ttl_seconds ?? DEFAULT_APPROVAL_TIMING.ttl_seconds,
    reminder_seconds:
      input.approval_reminder_seconds === undefined
        ? DEFAULT_APPROVAL_TIMING.reminder_seconds
        : input.approval_reminder_seconds,
  };
  const claude_monthly_cap_cents = input.claude_monthly_cap_cents ?? DEFAULT_CLAUDE_MONTHLY_CAP_CENTS;
  const digest = {
    weekday: input.digest_weekday ?? DEFAULT_DIGEST_SCHEDULE.weekday,
    hour: input.digest_hour ?? DEFAULT_DIGEST_SCHEDULE.hour,
  };
  const result = await db
    .prepare(
      `INSERT INTO tenants (id, name, default_posture, default_approvers, approval_ttl_seconds,
                            approval_reminder_seconds, claude_monthly_cap_cents, digest_weekday, digest_hour,
                            created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    )
    .bind(
      input.id,
      input.name,
      JSON.stringify(posture),
      JSON.stringify(input.default_approvers ?? []),
      approvals.ttl_seconds,
      approvals.reminder_seconds,
      claude_monthly_cap_cents,
      digest.weekday,
      digest.hour,
      now,
    )
    .run();
  if (result.meta.changes === 0) return null;
  return {
    id: input.id,
    name: input.name,
    posture,
    default_approvers: input.default_approvers ?? [],
    snapshot_hash: null,
    approvals,
    claude_monthly_cap_cents,
    digest,
  };
}

/** Changes a tenant's name, default approvers or approval timing; returns the tenant, or null when there is none. */
export async function updateTenant(
  db: D1Database,
  id: string,
  settings: z.infer<typeof tenantSettingsSchema>,
): Promise<Tenant | null> {
  const columns: [string, unknown][] = [];
  if (settings.name !== undefined) columns.push(["name", settings.name]);
  if (settings.default_approvers !== undefined)
    columns.push(["default_approvers", JSON.stringify(settings.default_approvers)]);
  if (settings.approval_ttl_seconds !== undefined)
    columns.push(["approval_ttl_seconds", settings.approval_ttl_seconds]);
  if (settings.approval_reminder_seconds !== undefined)
    columns.push(["approval_reminder_seconds", settings.approval_reminder_seconds]);
  for (const column of ["claude_monthly_cap_cents", "digest_weekday", "digest_hour"] as const)
    if (settings[column] !== undefined) columns.push([column, settings[column]]);
  if (columns.length > 0)
    await db
      .prepare(`UPDATE tenants SET ${columns.map(([column]) => `${column} = ?`).join(", ")} WHERE id = ?`)
      .bind(...columns.map(([, value]) => value), id)
      .run();
  return getTenant(db, id);
}

/** Lists a tenant's agents (admin). */
export async function listAgents(db: D1Database, tenant_id: string): Promise<Agent[]> {
  const { results } = await db
    .prepare("SELECT * FROM agents WHERE tenant_id = ? ORDER BY created_at, id")
    .bind(tenant_id)
    .all<Record<string, unknown>>();
  return results.map(agentFrom);
}

/**
 * Creates an agent with a fresh API key (or the given one, for the local demo seed).
 * The key is returned once and stored only as its hash.
 */
export async function createAgent(
  db: D1Database,
  tenant_id: string,
  input: z.infer<typeof newAgentSchema> & { id?: string; key?: string },
  now: string,
): Promise<{ agent: Agent; api_key: string }> {
  const agent: Agent = {
    id: input.id ?? newId("agt"),
    tenant_id,
    name: input.name,
    owner: input.owner ?? null,
    status: "active",
    scopes: input.scopes ?? [],
    allowed_tools: input.allowed_tools ?? ["*"],
    acts_for: input.acts_for ?? [],
    workspaces: input.workspaces ?? [],
  };
  const api_key = input.key ?? newApiKey();
  await db.batch([
    db
      .prepare(
        `INSERT INTO agents (id, tenant_id, name, owner, status, scopes, allowed_tools, acts_for, workspaces,
                             created_at)
         VALUES (?, ?, ?, ?, 'active', ?, ?, ?, ?, ?)`,
      )
      .bind(
        agent.id,
        tenant_id,
        agent.name,
        agent.owner,
        JSON.stringify(agent.scopes),
        JSON.stringify(agent.allowed_tools),
        JSON.stringify(agent.acts_for),
        JSON.stringify(agent.workspaces),
        now,
      ),
    insertKey(db, tenant_id, agent.id, await hashApiKey(api_key), api_key, now),
  ]);
  return { agent, api_key };
}

function insertKey(db: D1Database, tenant_id: string, agent_id: string, hash: string, key: string, now: string) {
  return db
    .prepare("INSERT INTO api_keys (key_hash, tenant_id, agent_id, prefix, created_at) VALUES (?, ?, ?, ?, ?)")
    .bind(hash, tenant_id, agent_id, key.slice(0, 10), now);
}

/** Issues another key for an existing agent (rotation); the old keys stay valid until revoked. */
export async function issueKey(db: D1Database, tenant_id: string, agent_id: string, now: string, key = newApiKey()) {
  await insertKey(db, tenant_id, agent_id, await hashApiKey(key), key, now).run();
  return key;
}

/** Revokes keys of a tenant by the key itself or by its shown prefix; returns how many were revoked. */
export async function revokeKey(
  db: D1Database,
  tenant_id: string,
  which: { key: string } | { prefix: string },
  now: string,
): Promise<number> {
  const result =
    "key" in which
      ? await db
          .prepare("UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND key_hash = ? AND revoked_at IS NULL")
          .bind(now, tenant_id, await hashApiKey(which.key))
          .run()
      : await db
          .prepare("UPDATE api_keys SET revoked_at = ? WHERE tenant_id = ? AND prefix = ? AND revoked_at IS NULL")
          .bind(now, tenant_id, which.prefix)
          .run();
  return result.meta.changes;
}

/** Reads one agent of a tenant, or null. */
export async function getAgent(db: D1Database, tenant_id: string, agent_id: string): Promise<Agent | null> {
  const row = await db
    .prepare("SELECT * FROM agents WHERE tenant_id = ? AND id = ?")
    .bind(tenant_id, agent_id)
    .first<Record<string, unknown>>();
  return row ? agentFrom(row) : null;
}

/**
 * Changes an agent's status, the people it may act for or its workspaces (each only when given); returns the agent,
 * or null when the tenant has no such agent.
 */
export async function updateAgent(
  db: D1Database,
  tenant_id: string,
  agent_id: string,
  settings: z.infer<typeof agentSettingsSchema>,
): Promise<Agent | null> {
  const columns: [string, unknown][] = [];
  if (settings.status !== undefined) columns.push(["status", settings.status]);
  if (settings.acts_for !== undefined) columns.push(["acts_for", JSON.stringify(settings.acts_for)]);
  if (settings.workspaces !== undefined) columns.push(["workspaces", JSON.stringify(settings.workspaces)]);
  if (columns.length > 0)
    await db
      .prepare(
        `UPDATE agents SET ${columns.map(([column]) => `${column} = ?`).join(", ")} WHERE tenant_id = ? AND id = ?`,
      )
      .bind(...columns.map(([, value]) => value), tenant_id, agent_id)
      .run();
  return getAgent(db, tenant_id, agent_id);
}

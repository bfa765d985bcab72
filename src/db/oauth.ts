/** A tenant's OAuth settings in D1 (`oauth_issuers`, `oauth_clients`) and the principal a token's client names. */
import { z } from "zod";
import { agentFrom, PRINCIPAL_COLUMNS, tenantFrom, type Principal } from "./tenancy";

/**
 * The JWS algorithms an access token may be signed with: asymmetric ones only, so `none` and the HMAC algorithms
 * (whose "key" would be the issuer's public key) can never be configured.
 */
export const TOKEN_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
] as const;

/** What most authorization servers sign with, accepted when a tenant names no algorithms. */
export const DEFAULT_TOKEN_ALGORITHMS: TokenAlgorithm[] = ["RS256", "ES256"];

/** One JWS algorithm a tenant may accept. */
export type TokenAlgorithm = (typeof TOKEN_ALGORITHMS)[number];

/** One authorization server as an admin names it. */
export const authorizationServerSchema = z.strictObject({
  issuer: z
    .string()
    .min(1)
    .max(2048)
    .describe("The issuer identifier, exactly as tokens carry it in iss (an https URL without query or fragment)"),
  jwks_uri: z
    .string()
    .min(1)
    .max(2048)
    .optional()
    .describe("Where the issuer's signing keys are; discovered from the issuer's metadata when omitted"),
  algorithms: z
    .array(z.enum(TOKEN_ALGORITHMS))
    .min(1)
    .max(TOKEN_ALGORITHMS.length)
    .optional()
    .describe(`JWS algorithms accepted (default ${DEFAULT_TOKEN_ALGORITHMS.join(", ")}); asymmetric only`),
  person_claim: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe("The claim naming the person the agent acts for (default: email, else sub)"),
});

/** A tenant's authorization servers (admin API: replaces them all). */
export const oauthSettingsSchema = z.strictObject({
  authorization_servers: z
    .array(authorizationServerSchema)
    .max(10)
    .refine((servers) => new Set(servers.map((s) => s.issuer)).size === servers.length, "issuers must differ")
    .describe("The authorization servers whose access tokens this tenant accepts; [] accepts none"),
});

/** The OAuth client ids an agent's tokens are issued to (admin API: replaces the agent's). */
export const agentClientsSchema = z.strictObject({
  client_ids: z
    .array(z.string().min(1).max(200))
    .max(20)
    .refine((ids) => new Set(ids).size === ids.length, "client ids must differ")
    .describe("OAuth client ids whose tokens act as this agent"),
});

/** One authorization server as stored, with its defaults applied. */
export interface AuthorizationServer {
  issuer: string;
  jwks_uri: string | null;
  algorithms: TokenAlgorithm[];
  person_claim: string | null;
}

/** Which OAuth client is which agent. */
export interface AgentClient {
  client_id: string;
  agent_id: string;
}

/** A tenant's authorization servers, in the order they were added. */
export async function authorizationServers(db: D1Database, tenant_id: string): Promise<AuthorizationServer[]> {
  const { results } = await db
    .prepare("SELECT * FROM oauth_issuers WHERE tenant_id = ? ORDER BY created_at, issuer")
    .bind(tenant_id)
    .all<Record<string, unknown>>();
  return results.map((row) => ({
    issuer: String(row.issuer),
    jwks_uri: (row.jwks_uri as string | null) ?? null,
    algorithms: z.array(z.enum(TOKEN_ALGORITHMS)).parse(JSON.parse(String(row.algorithms))),
    person_claim: (row.person_claim as string | null) ?? null,
  }));
}

/** Replaces a tenant's authorization servers in one batch. */
export async function replaceAuthorizationServers(
  db: D1Database,
  tenant_id: string,
  servers: AuthorizationServer[],
  now: string,
): Promise<void> {
  await db.batch([
    db.prepare("DELETE FROM oauth_issuers WHERE tenant_id = ?").bind(tenant_id),
    ...servers.map((s) =>
      db
        .prepare(
          `INSERT INTO oauth_issuers (tenant_id, issuer, jwks_uri, algorithms, person_claim, created_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .bind(tenant_id, s.issuer, s.jwks_uri, JSON.stringify(s.algorithms), s.person_claim, now),
    ),
  ]);
}

/** A tenant's OAuth clients and their agents. */
export async function agentClients(db: D1Database, tenant_id: string): Promise<AgentClient[]> {
  const { results } = await db
    .prepare("SELECT client_id, agent_id FROM oauth_clients WHERE tenant_id = ? ORDER BY agent_id, client_id")
    .bind(tenant_id)
    .all<AgentClient>();
  return results;
}

/**
 * Replaces the client ids of one agent of a tenant. Returns the client ids another agent of the tenant already
 * holds (nothing is changed then), or null when the tenant has no such agent.
 */
export async function replaceAgentClients(
  db: D1Database,
  tenant_id: string,
  agent_id: string,
  client_ids: string[],
  now: string,
): Promise<{ taken: AgentClient[] } | null> {
  const agent = await db
    .prepare("SELECT id FROM agents WHERE tenant_id = ? AND id = ?")
    .bind(tenant_id, agent_id)
    .first();
  if (!agent) return null;
  const taken = (await agentClients(db, tenant_id)).filter(
    (c) => c.agent_id !== agent_id && client_ids.includes(c.client_id),
  );
  if (taken.length > 0) return { taken };
  await db.batch([
    db.prepare("DELETE FROM oauth_clients WHERE tenant_id = ? AND agent_id = ?").bind(tenant_id, agent_id),
    ...client_ids.map((client_id) =>
      db
        .prepare("INSERT INTO oauth_clients (tenant_id, client_id, agent_id, created_at) VALUES (?, ?, ?, ?)")
        .bind(tenant_id, client_id, agent_id, now),
    ),
  ]);
  return { taken: [] };
}

/** The tenant and agent an OAuth client id names, or why none may act: one D1 query. The caller adds the proof. */
export async function principalForClient(
  db: D1Database,
  tenant_id: string,
  client_id: string,
): Promise<Omit<Principal, "proof"> | "unknown_client" | "agent_suspended"> {
  const row = await db
    .prepare(
      `SELECT ${PRINCIPAL_COLUMNS}
         FROM oauth_clients c JOIN agents a ON a.id = c.agent_id AND a.tenant_id = c.tenant_id
         JOIN tenants t ON t.id = c.tenant_id
        WHERE c.tenant_id = ? AND c.client_id = ?`,
    )
    .bind(tenant_id, client_id)
    .first<Record<string, unknown>>();
  if (!row) return "unknown_client";
  const agent = agentFrom(row);
  if (agent.status === "suspended") return "agent_suspended";
  return { tenant: tenantFrom(row), agent };
}

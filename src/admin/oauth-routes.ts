import { Hono } from "hono";
import {
  agentClients,
  agentClientsSchema,
  authorizationServers,
  DEFAULT_TOKEN_ALGORITHMS,
  oauthSettingsSchema,
  replaceAgentClients,
  replaceAuthorizationServers,
  type AuthorizationServer,
} from "../db/oauth";
import { isLocal, type Env } from "../env";
import { checkUpstreamUrl } from "../hosts";
import { ApiError } from "../http/errors";
import { resourceMetadataUrl, resourceUri } from "../oauth/resource";
import { now, withTenant, type AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";
import { validate } from "./validate";

/**
 * The admin API's OAuth settings (docs/oauth.md): a tenant's authorization servers, its endpoint's resource URI,
 * and which OAuth client id is which agent.
 */
export function oauthAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.get("/oauth", tenantScope(), async (c) => c.json(await settingsOf(c.env, c.req.url, c.get("tenant").id)));

  admin.put(
    "/oauth",
    validate("json", oauthSettingsSchema.extend(withTenant.shape)),
    tenantScope({ fromBody: true }),
    async (c) => {
      const servers = c.req.valid("json").authorization_servers.map((s, i) => stored(c.env, s, i));
      await replaceAuthorizationServers(c.env.DB, c.get("tenant").id, servers, now());
      return c.json(await settingsOf(c.env, c.req.url, c.get("tenant").id));
    },
  );

  admin.put(
    "/agents/:id/oauth-clients",
    validate("json", agentClientsSchema.extend(withTenant.shape)),
    tenantScope({ fromBody: true }),
    async (c) => {
      const tenant = c.get("tenant");
      const agent_id = c.req.param("id");
      const { client_ids } = c.req.valid("json");
      const replaced = await replaceAgentClients(c.env.DB, tenant.id, agent_id, client_ids, now());
      if (!replaced) throw new ApiError(404, "agent_not_found", `Tenant ${tenant.id} has no agent "${agent_id}".`);
      if (replaced.taken.length > 0)
        throw new ApiError(
          409,
          "client_id_taken",
          `These client ids already act as another agent of ${tenant.id}; remove them there first.`,
          replaced.taken,
        );
      return c.json({ agent_id, client_ids });
    },
  );

  return admin;
}

/** A tenant's OAuth settings as the admin API shows them. */
async function settingsOf(env: Env, url: string, tenant_id: string) {
  return {
    tenant: tenant_id,
    resource: resourceUri(url, tenant_id),
    resource_metadata: resourceMetadataUrl(url, tenant_id),
    authorization_servers: await authorizationServers(env.DB, tenant_id),
    clients: await agentClients(env.DB, tenant_id),
  };
}

/**
 * An authorization server as stored, once its URLs pass: outside local dev only public https addresses, and an
 * issuer without query or fragment (RFC 8414 §2). The issuer is kept exactly as given: tokens' `iss` is compared
 * with it as a string.
 */
function stored(
  env: Env,
  input: { issuer: string; jwks_uri?: string; algorithms?: AuthorizationServer["algorithms"]; person_claim?: string },
  index: number,
): AuthorizationServer {
  const policy = { allowPrivate: isLocal(env) };
  const refuse = (field: string, reason: string): never => {
    throw new ApiError(400, "invalid_request", `authorization_servers.${index}.${field} ${reason}.`);
  };
  const issuer = checkUpstreamUrl(input.issuer, policy);
  if (!issuer.ok) refuse("issuer", issuer.reason);
  const parsed = new URL(input.issuer);
  if (parsed.search !== "" || parsed.hash !== "" || input.issuer.includes("#") || input.issuer.includes("?"))
    refuse("issuer", "must have no query or fragment");
  let jwks_uri: string | null = null;
  if (input.jwks_uri !== undefined) {
    const checked = checkUpstreamUrl(input.jwks_uri, policy);
    if (!checked.ok) return refuse("jwks_uri", checked.reason);
    jwks_uri = checked.url;
  }
  return {
    issuer: input.issuer,
    jwks_uri,
    algorithms: input.algorithms ?? DEFAULT_TOKEN_ALGORITHMS,
    person_claim: input.person_claim ?? null,
  };
}

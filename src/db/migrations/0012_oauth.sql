-- OAuth 2.1 access tokens beside API keys (docs/oauth.md): each tenant's authorization servers, and which OAuth
-- client is which agent.

-- The authorization servers whose access tokens a tenant's MCP endpoint (/t/<tenant>/mcp) accepts.
CREATE TABLE oauth_issuers (
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  -- compared exactly with a token's iss
  issuer TEXT NOT NULL,
  -- NULL: discovered from the issuer's metadata (RFC 8414, then OpenID Connect discovery)
  jwks_uri TEXT,
  -- JSON array of the JWS algorithms accepted (asymmetric only)
  algorithms TEXT NOT NULL,
  -- the claim naming the person the agent acts for; NULL: email, else sub
  person_claim TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, issuer)
);

-- A token's client_id (or azp) names the agent it acts as; one client is one agent of a tenant.
CREATE TABLE oauth_clients (
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  client_id TEXT NOT NULL,
  agent_id TEXT NOT NULL REFERENCES agents(id),
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, client_id)
);
CREATE INDEX oauth_clients_by_agent ON oauth_clients (agent_id);

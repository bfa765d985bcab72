/**
 * A tenant's MCP endpoint as an OAuth protected resource. Tokens are bound to one tenant by their audience (RFC
 * 8707): each tenant's endpoint is its own resource, `<origin>/t/<tenant>/mcp`, and its metadata (RFC 9728) is at
 * the path-inserted well-known URL `<origin>/.well-known/oauth-protected-resource/t/<tenant>/mcp`.
 */

/** Tenant ids as the admin API allows them; a path naming anything else is no tenant's endpoint. */
const TENANT_ID = /^[a-z0-9][a-z0-9_-]{1,62}$/;

/** Whether a path segment can name a tenant. */
export function isTenantId(segment: string): boolean {
  return TENANT_ID.test(segment);
}

/** The path of a tenant's MCP endpoint. */
export function tenantMcpPath(tenant_id: string): string {
  return `/t/${tenant_id}/mcp`;
}

/**
 * The resource URI of a tenant's MCP endpoint: the audience its access tokens must carry.
 *
 * @example resourceUri("https://gw.example.com/t/acme/mcp?x=1", "acme") // "https://gw.example.com/t/acme/mcp"
 */
export function resourceUri(requestUrl: string, tenant_id: string): string {
  return `${new URL(requestUrl).origin}${tenantMcpPath(tenant_id)}`;
}

/** Where the protected resource metadata of a tenant's MCP endpoint is published (RFC 9728 §3.1). */
export function resourceMetadataUrl(requestUrl: string, tenant_id: string): string {
  return `${new URL(requestUrl).origin}/.well-known/oauth-protected-resource${tenantMcpPath(tenant_id)}`;
}

/** The protected resource metadata document (RFC 9728 §2) of a tenant's MCP endpoint. */
export function protectedResourceMetadata(requestUrl: string, tenant_id: string, issuers: string[]) {
  return {
    resource: resourceUri(requestUrl, tenant_id),
    authorization_servers: issuers,
    bearer_methods_supported: ["header"],
    resource_name: `Policy OS (${tenant_id})`,
  };
}

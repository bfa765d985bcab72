import type { MiddlewareHandler } from "hono";
import { getTenant, type Tenant } from "../db/tenancy";
import { LOCAL_DEFAULTS, isLocal, type Env } from "../env";
import { ApiError } from "../http/errors";

/** The context variable {@link tenantScope} sets: the tenant the admin call is about. */
export type TenantVariables = { tenant: Tenant };

/** Options of {@link tenantScope}. */
export interface TenantScopeOptions {
  /** Also accept the tenant named by the validated JSON body's `tenant` (`?tenant=` wins); validate the body first. */
  fromBody?: boolean;
}

type TenantEnv = { Bindings: Env; Variables: TenantVariables };
type BodyTenant = { out: { json: { tenant?: string } } };

/**
 * Resolves the tenant an admin call names with `?tenant=` (or, with `fromBody`, the body's `tenant`) and sets it as
 * `c.get("tenant")`. Local dev defaults to the demo tenant; elsewhere a call that names none is refused (400
 * `tenant_required`), and one naming an unknown tenant too (404 `tenant_not_found`).
 *
 * @example admin.get("/agents", tenantScope(), async (c) => c.json(await listAgents(c.env.DB, c.get("tenant").id)))
 */
export function tenantScope(): MiddlewareHandler<TenantEnv>;
export function tenantScope(options: TenantScopeOptions): MiddlewareHandler<TenantEnv, string, BodyTenant>;
export function tenantScope(options: TenantScopeOptions = {}): MiddlewareHandler<TenantEnv, string, BodyTenant> {
  return async function tenantScope(c, next) {
    const id =
      c.req.query("tenant") ??
      (options.fromBody ? c.req.valid("json").tenant : undefined) ??
      (isLocal(c.env) ? LOCAL_DEFAULTS.demoTenantId : undefined);
    if (!id) throw new ApiError(400, "tenant_required", "Name the tenant with ?tenant=<id>.");
    const tenant = await getTenant(c.env.DB, id);
    if (!tenant) throw new ApiError(404, "tenant_not_found", `No tenant "${id}".`);
    c.set("tenant", tenant);
    await next();
  };
}

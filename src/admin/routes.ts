import { Hono } from "hono";
import { z } from "zod";
import { listEscalations } from "../approvals/escalations";
import { currentPolicyRows, replacePolicyRows } from "../db/policies";
import {
  createAgent,
  createTenant,
  issueKey,
  listAgents,
  listTenants,
  newAgentSchema,
  newTenantSchema,
  revokeKey,
  setAgentStatus,
  tenantSettingsSchema,
  updateTenant,
} from "../db/tenancy";
import { isLocal } from "../env";
import { createHostRegistry, enableDemoHosts } from "../hosts";
import { apiError } from "../http/errors";
import { forgetPrincipals } from "../http/principal-cache";
import { ledgerFor } from "../ledger";
import { getConnection } from "../notion/connection";
import { listAuditRows } from "../db/audit";
import { adminAuth } from "./auth";
import { digestAdminRoutes } from "./digest-routes";
import { evidenceAdminRoutes } from "./evidence-routes";
import { notionAdminRoutes } from "./notion-routes";
import { bodyOf, limitOf, now, tenantOf, withTenant, type AdminEnv } from "./request";
import { seedDemo } from "./seed";

/** The admin API (JSON, `Authorization: Bearer <ADMIN_TOKEN>`). Every call names its tenant. */
export function adminRoutes() {
  const admin = new Hono<AdminEnv>();
  admin.use("*", adminAuth());
  admin.use("*", async function forgetCachedPrincipalsOnChange(c, next) {
    await next();
    if (c.req.method !== "GET") forgetPrincipals();
  });

  admin.get("/tenants", async (c) => c.json({ tenants: await listTenants(c.env.DB) }));
  admin.post("/tenants", async (c) => {
    const input = await bodyOf(c, newTenantSchema);
    if (input instanceof Response) return input;
    const tenant = await createTenant(c.env.DB, input, now());
    if (!tenant) return c.json(apiError("tenant_exists", `A tenant "${input.id}" already exists.`), 409);
    if (input.demo_hosts) await enableDemoHosts(c.env.DB, tenant.id);
    return c.json({ tenant }, 201);
  });

  admin.patch("/tenants/:id", async (c) => {
    const input = await bodyOf(c, tenantSettingsSchema);
    if (input instanceof Response) return input;
    const tenant = await updateTenant(c.env.DB, c.req.param("id"), input);
    if (!tenant) return c.json(apiError("tenant_not_found", `No tenant "${c.req.param("id")}".`), 404);
    return c.json({ tenant });
  });

  admin.get("/agents", async (c) => {
    const tenant = await tenantOf(c);
    if (tenant instanceof Response) return tenant;
    return c.json({ tenant: tenant.id, agents: await listAgents(c.env.DB, tenant.id) });
  });
  admin.post("/agents", async (c) => {
    const input = await bodyOf(c, newAgentSchema.extend(withTenant.shape));
    if (input instanceof Response) return input;
    const tenant = await tenantOf(c, input.tenant);
    if (tenant instanceof Response) return tenant;
    const { tenant: _, ...agent } = input;
    const created = await createAgent(c.env.DB, tenant.id, agent, now());
    return c.json({ ...created, note: "The API key is shown once; store it now." }, 201);
  });
  admin.patch("/agents/:id", async (c) => {
    const input = await bodyOf(c, withTenant.extend({ status: z.enum(["active", "suspended"]) }));
    if (input instanceof Response) return input;
    const tenant = await tenantOf(c, input.tenant);
    if (tenant instanceof Response) return tenant;
    const found = await setAgentStatus(c.env.DB, tenant.id, c.req.param("id"), input.status);
    if (!found)
      return c.json(apiError("agent_not_found", `Tenant ${tenant.id} has no agent "${c.req.param("id")}".`), 404);
    return c.json({ agent_id: c.req.param("id"), status: input.status });
  });
  admin.post("/agents/:id/keys", async (c) => {
    const tenant = await tenantOf(c);
    if (tenant instanceof Response) return tenant;
    const agents = await listAgents(c.env.DB, tenant.id);
    if (!agents.some((a) => a.id === c.req.param("id")))
      return c.json(apiError("agent_not_found", `Tenant ${tenant.id} has no agent "${c.req.param("id")}".`), 404);
    const api_key = await issueKey(c.env.DB, tenant.id, c.req.param("id"), now());
    return c.json({ agent_id: c.req.param("id"), api_key, note: "The API key is shown once; store it now." }, 201);
  });
  admin.post("/keys/revoke", async (c) => {
    const input = await bodyOf(
      c,
      z.union([withTenant.extend({ key: z.string().min(1) }), withTenant.extend({ prefix: z.string().min(4) })]),
    );
    if (input instanceof Response) return input;
    const tenant = await tenantOf(c, input.tenant);
    if (tenant instanceof Response) return tenant;
    const revoked = await revokeKey(
      c.env.DB,
      tenant.id,
      "key" in input ? { key: input.key } : { prefix: input.prefix },
      now(),
    );
    if (revoked === 0) return c.json(apiError("key_not_found", "No active key of this tenant matches."), 404);
    return c.json({ revoked });
  });

  admin.get("/policies", async (c) => {
    const tenant = await tenantOf(c);
    if (tenant instanceof Response) return tenant;
    return c.json({
      tenant: tenant.id,
      snapshot: tenant.snapshot_hash,
      rows: await currentPolicyRows(c.env.DB, tenant),
    });
  });
  admin.put("/policies", async (c) => {
    const input = await bodyOf(c, withTenant.extend({ rows: z.array(z.unknown()).max(10_000) }));
    if (input instanceof Response) return input;
    const tenant = await tenantOf(c, input.tenant);
    if (tenant instanceof Response) return tenant;
    if (await getConnection(c.env.DB, tenant.id))
      return c.json(
        apiError(
          "policies_from_notion",
          `Tenant ${tenant.id} takes its policies from Notion: edit the Policies database (the next sync applies it).`,
        ),
        409,
      );
    const result = await replacePolicyRows(c.env.DB, tenant, input.rows, now());
    if (!result.ok)
      return c.json(
        apiError("policy_rows_rejected", "Some rows are invalid; nothing was changed.", result.rejected),
        422,
      );
    return c.json({ tenant: tenant.id, snapshot: result.snapshot.hash, rows: input.rows.length });
  });

  admin.get("/hosts", async (c) => {
    const tenant = await tenantOf(c);
    if (tenant instanceof Response) return tenant;
    const hosts = createHostRegistry({ db: c.env.DB, secrets: c.env });
    return c.json({ tenant: tenant.id, tools: await hosts.catalog(tenant.id) });
  });
  admin.post("/hosts", async (c) => {
    const input = await bodyOf(
      c,
      withTenant.extend({
        id: z.string(),
        url: z.url(),
        auth_secret: z.string().optional(),
        auth_header: z.string().optional(),
        timeout_ms: z.number().int().min(100).max(60_000).optional(),
        label: z.string().max(200).optional(),
      }),
    );
    if (input instanceof Response) return input;
    const tenant = await tenantOf(c, input.tenant);
    if (tenant instanceof Response) return tenant;
    const { tenant: _, ...host } = input;
    const result = await createHostRegistry({ db: c.env.DB, secrets: c.env }).registerUpstreamHost(tenant.id, host);
    return result.ok ? c.json(result, 201) : c.json(apiError(result.error.code, result.error.message), 400);
  });
  admin.delete("/hosts/:id", async (c) => {
    const tenant = await tenantOf(c);
    if (tenant instanceof Response) return tenant;
    const removed = await createHostRegistry({ db: c.env.DB, secrets: c.env }).removeHost(tenant.id, c.req.param("id"));
    return removed ? c.json({ removed: c.req.param("id") }) : c.json(apiError("host_not_found", "No such host."), 404);
  });

  admin.get("/escalations", async (c) => {
    const tenant = await tenantOf(c);
    if (tenant instanceof Response) return tenant;
    const escalations = await listEscalations(c.env.DB, tenant.id, {
      status: c.req.query("status"),
      limit: limitOf(c, 50, 500),
    });
    return c.json({ tenant: tenant.id, escalations });
  });

  admin.get("/audit", async (c) => {
    const tenant = await tenantOf(c);
    if (tenant instanceof Response) return tenant;
    const rows = await listAuditRows(c.env.DB, tenant.id, {
      tool: c.req.query("tool"),
      outcome: c.req.query("outcome"),
      agent_id: c.req.query("agent"),
      before: c.req.query("before"),
      limit: limitOf(c, 50, 1000),
    });
    return c.json({ tenant: tenant.id, rows });
  });

  admin.get("/ledger", async (c) => {
    const tenant = await tenantOf(c);
    if (tenant instanceof Response) return tenant;
    const ledger = ledgerFor(c.env, tenant.id);
    const after_seq = Number(c.req.query("after_seq") ?? 0);
    const [head, entries] = await Promise.all([
      ledger.head(),
      ledger.list({
        after_seq: Number.isInteger(after_seq) && after_seq >= 0 ? after_seq : 0,
        limit: limitOf(c, 100, 1000),
      }),
    ]);
    // Entry bodies are arbitrary JSON: hono's response-type inference would recurse over them without end.
    return c.json({ tenant: tenant.id, head, entries } as Record<string, unknown>);
  });
  admin.get("/ledger/verify", async (c) => {
    const tenant = await tenantOf(c);
    if (tenant instanceof Response) return tenant;
    return c.json(await ledgerFor(c.env, tenant.id).verify());
  });
  admin.route("/", evidenceAdminRoutes());
  admin.route("/", digestAdminRoutes());

  admin.route("/", notionAdminRoutes());

  admin.post("/seed", async (c) => {
    if (!isLocal(c.env)) return c.json(apiError("local_only", "The demo seed only runs under local dev."), 403);
    return c.json(await seedDemo(c.env, now()));
  });

  return admin;
}

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
import { isLocal, secretsOf, type Env } from "../env";
import { createHostRegistry, enableDemoHosts } from "../hosts";
import { ApiError } from "../http/errors";
import { forgetPrincipals } from "../http/principal-cache";
import { ledgerFor } from "../ledger";
import { getConnection } from "../notion/connection";
import { listAuditRows } from "../db/audit";
import { adminAuth } from "./auth";
import { digestAdminRoutes } from "./digest-routes";
import { evidenceAdminRoutes } from "./evidence-routes";
import { notionAdminRoutes } from "./notion-routes";
import { limitOf, now, withTenant, type AdminEnv } from "./request";
import { seedDemo } from "./seed";
import { tenantScope } from "./tenant-scope";
import { validate } from "./validate";

const hostsOf = (env: Env) => createHostRegistry({ db: env.DB, secrets: secretsOf(env) });

/** The admin API (JSON, `Authorization: Bearer <ADMIN_TOKEN>`). Every call names its tenant. */
export function adminRoutes() {
  const admin = new Hono<AdminEnv>();
  admin.use("*", adminAuth());
  admin.use("*", async function forgetCachedPrincipalsOnChange(c, next) {
    await next();
    if (c.req.method !== "GET") forgetPrincipals();
  });

  admin.get("/tenants", async (c) => c.json({ tenants: await listTenants(c.env.DB) }));
  admin.post("/tenants", validate("json", newTenantSchema), async (c) => {
    const input = c.req.valid("json");
    const tenant = await createTenant(c.env.DB, input, now());
    if (!tenant) throw new ApiError(409, "tenant_exists", `A tenant "${input.id}" already exists.`);
    if (input.demo_hosts) await enableDemoHosts(c.env.DB, tenant.id);
    return c.json({ tenant }, 201);
  });

  admin.patch("/tenants/:id", validate("json", tenantSettingsSchema), async (c) => {
    const tenant = await updateTenant(c.env.DB, c.req.param("id"), c.req.valid("json"));
    if (!tenant) throw new ApiError(404, "tenant_not_found", `No tenant "${c.req.param("id")}".`);
    return c.json({ tenant });
  });

  admin.get("/agents", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    return c.json({ tenant: tenant.id, agents: await listAgents(c.env.DB, tenant.id) });
  });
  admin.post(
    "/agents",
    validate("json", newAgentSchema.extend(withTenant.shape)),
    tenantScope({ fromBody: true }),
    async (c) => {
      const { tenant: _, ...agent } = c.req.valid("json");
      const created = await createAgent(c.env.DB, c.get("tenant").id, agent, now());
      return c.json({ ...created, note: "The API key is shown once; store it now." }, 201);
    },
  );
  admin.patch(
    "/agents/:id",
    validate("json", withTenant.extend({ status: z.enum(["active", "suspended"]) })),
    tenantScope({ fromBody: true }),
    async (c) => {
      const { status } = c.req.valid("json");
      const tenant = c.get("tenant");
      if (!(await setAgentStatus(c.env.DB, tenant.id, c.req.param("id"), status)))
        throw new ApiError(404, "agent_not_found", `Tenant ${tenant.id} has no agent "${c.req.param("id")}".`);
      return c.json({ agent_id: c.req.param("id"), status });
    },
  );
  admin.post("/agents/:id/keys", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    const agents = await listAgents(c.env.DB, tenant.id);
    if (!agents.some((a) => a.id === c.req.param("id")))
      throw new ApiError(404, "agent_not_found", `Tenant ${tenant.id} has no agent "${c.req.param("id")}".`);
    const api_key = await issueKey(c.env.DB, tenant.id, c.req.param("id"), now());
    return c.json({ agent_id: c.req.param("id"), api_key, note: "The API key is shown once; store it now." }, 201);
  });
  admin.post(
    "/keys/revoke",
    validate(
      "json",
      z.union([withTenant.extend({ key: z.string().min(1) }), withTenant.extend({ prefix: z.string().min(4) })]),
    ),
    tenantScope({ fromBody: true }),
    async (c) => {
      const input = c.req.valid("json");
      const which = "key" in input ? { key: input.key } : { prefix: input.prefix };
      const revoked = await revokeKey(c.env.DB, c.get("tenant").id, which, now());
      if (revoked === 0) throw new ApiError(404, "key_not_found", "No active key of this tenant matches.");
      return c.json({ revoked });
    },
  );

  admin.get("/policies", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    return c.json({
      tenant: tenant.id,
      snapshot: tenant.snapshot_hash,
      rows: await currentPolicyRows(c.env.DB, tenant),
    });
  });
  admin.put(
    "/policies",
    validate("json", withTenant.extend({ rows: z.array(z.unknown()).max(10_000) })),
    tenantScope({ fromBody: true }),
    async (c) => {
      const { rows } = c.req.valid("json");
      const tenant = c.get("tenant");
      if (await getConnection(c.env.DB, tenant.id))
        throw new ApiError(
          409,
          "policies_from_notion",
          `Tenant ${tenant.id} takes its policies from Notion: edit the Policies database (the next sync applies it).`,
        );
      const result = await replacePolicyRows(c.env.DB, tenant, rows, now());
      if (!result.ok)
        throw new ApiError(422, "policy_rows_rejected", "Some rows are invalid; nothing was changed.", result.rejected);
      return c.json({ tenant: tenant.id, snapshot: result.snapshot.hash, rows: rows.length });
    },
  );

  admin.get("/hosts", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    return c.json({ tenant: tenant.id, tools: await hostsOf(c.env).catalog(tenant.id) });
  });
  admin.post(
    "/hosts",
    validate(
      "json",
      withTenant.extend({
        id: z.string(),
        url: z.url(),
        auth_secret: z.string().optional(),
        auth_header: z.string().optional(),
        timeout_ms: z.number().int().min(100).max(60_000).optional(),
        label: z.string().max(200).optional(),
      }),
    ),
    tenantScope({ fromBody: true }),
    async (c) => {
      const { tenant: _, ...host } = c.req.valid("json");
      const result = await hostsOf(c.env).registerUpstreamHost(c.get("tenant").id, host);
      if (!result.ok) throw new ApiError(400, result.error.code, result.error.message);
      return c.json(result, 201);
    },
  );
  admin.delete("/hosts/:id", tenantScope(), async (c) => {
    if (!(await hostsOf(c.env).removeHost(c.get("tenant").id, c.req.param("id"))))
      throw new ApiError(404, "host_not_found", "No such host.");
    return c.json({ removed: c.req.param("id") });
  });

  admin.get("/escalations", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    const escalations = await listEscalations(c.env.DB, tenant.id, {
      status: c.req.query("status"),
      limit: limitOf(c, 50, 500),
    });
    return c.json({ tenant: tenant.id, escalations });
  });

  admin.get("/audit", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    const rows = await listAuditRows(c.env.DB, tenant.id, {
      tool: c.req.query("tool"),
      outcome: c.req.query("outcome"),
      agent_id: c.req.query("agent"),
      before: c.req.query("before"),
      limit: limitOf(c, 50, 1000),
    });
    return c.json({ tenant: tenant.id, rows });
  });

  admin.get("/ledger", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
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
  admin.get("/ledger/verify", tenantScope(), async (c) => c.json(await ledgerFor(c.env, c.get("tenant").id).verify()));
  admin.route("/", evidenceAdminRoutes());
  admin.route("/", digestAdminRoutes());

  admin.route("/", notionAdminRoutes());

  admin.post("/seed", async (c) => {
    if (!isLocal(c.env)) throw new ApiError(403, "local_only", "The demo seed only runs under local dev.");
    return c.json(await seedDemo(c.env, now()));
  });

  return admin;
}

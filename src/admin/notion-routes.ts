import { Hono } from "hono";
import { z } from "zod";
import { ApiError } from "../http/errors";
import {
  SYNCED_SOURCES,
  connectionInputSchema,
  deleteConnection,
  getConnection,
  handshakeToken,
  putConnection,
  secretValue,
} from "../notion/connection";
import { syncState } from "../notion/sync/store";
import { requestSync } from "../notion/sync/sync.do";
import { now, withTenant, type AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";
import { validate } from "./validate";

const syncRequestSchema = withTenant.extend({
  full: z.boolean().optional(),
  sources: z.array(z.enum(SYNCED_SOURCES)).min(1).optional(),
  wait: z.boolean().optional().describe("Answer after Sync status and the Tools catalog are written back"),
});

/** The admin API's Notion part: the connection, its sync state, the webhook handshake, and sync-now. */
export function notionAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.put("/notion", validate("json", connectionInputSchema), tenantScope({ fromBody: true }), async (c) => {
    const { tenant: _, ...connection } = c.req.valid("json");
    const tenant = c.get("tenant");
    if (!secretValue(c.env, connection.token_secret))
      throw new ApiError(
        400,
        "secret_missing",
        `The Worker has no secret named ${connection.token_secret}; set it with \`wrangler secret put ${connection.token_secret}\`.`,
      );
    const saved = await putConnection(c.env.DB, tenant.id, connection, now());
    // The webhook secret may come later: Notion sends the verification token only once the URL is registered.
    const webhookSecretMissing = connection.webhook_secret !== null && !secretValue(c.env, connection.webhook_secret);
    return c.json({
      connection: saved,
      webhook_url: new URL(`/webhooks/notion/${tenant.id}`, c.req.url).toString(),
      ...(webhookSecretMissing
        ? {
            warning: `Webhooks are refused until the Worker has the secret ${connection.webhook_secret}: register the webhook URL in Notion, read the verification token with GET /admin/notion/handshake, then \`wrangler secret put ${connection.webhook_secret}\`. The cron sync works meanwhile.`,
          }
        : {}),
    });
  });

  admin.get("/notion", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    const connection = await getConnection(c.env.DB, tenant.id);
    if (!connection)
      throw new ApiError(
        404,
        "not_connected",
        `Tenant ${tenant.id} has no Notion connection; run \`npx policy-os notion setup --connect\`.`,
      );
    return c.json({
      connection,
      webhook_url: new URL(`/webhooks/notion/${tenant.id}`, c.req.url).toString(),
      sync: await syncState(c.env.DB, tenant.id),
    });
  });

  admin.delete("/notion", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    // Stop the tenant's write-back first, so nothing is written to Notion after the answer.
    await c.env.NOTION_SYNC.get(c.env.NOTION_SYNC.idFromName(tenant.id)).stop();
    if (!(await deleteConnection(c.env.DB, tenant.id)))
      throw new ApiError(404, "not_connected", `Tenant ${tenant.id} has no Notion connection.`);
    return c.json({
      disconnected: tenant.id,
      note: "The policies and agents in force stay as they are; connect again to resume syncing.",
    });
  });

  admin.get("/notion/handshake", tenantScope(), async (c) => {
    const token = await handshakeToken(c.env.DB, c.get("tenant").id);
    if (!token)
      throw new ApiError(
        404,
        "no_handshake",
        "Notion has not sent a verification token to this tenant's webhook URL yet.",
      );
    return c.json({
      verification_token: token,
      next: "Paste it into the webhook's Verify dialog in Notion, then store it as the Worker secret the connection names (webhook_secret).",
    });
  });

  admin.post(
    "/sync",
    validate("json", syncRequestSchema, { optional: true }),
    tenantScope({ fromBody: true }),
    async (c) => {
      const input = c.req.valid("json");
      const tenant = c.get("tenant");
      if (!(await getConnection(c.env.DB, tenant.id)))
        throw new ApiError(409, "not_connected", `Tenant ${tenant.id} has no Notion connection.`);
      const report = await requestSync(c.env, tenant.id, {
        reason: "admin",
        full: input.full,
        sources: input.sources,
        wait_for_write_back: input.wait,
      });
      return c.json(report);
    },
  );

  return admin;
}

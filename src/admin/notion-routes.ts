import { Hono } from "hono";
import { z } from "zod";
import { apiError } from "../http/errors";
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
import { bodyOf, now, tenantOf, withTenant, type AdminEnv } from "./request";

/** The admin API's Notion part: the connection, its sync state, the webhook handshake, and sync-now. */
export function notionAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.put("/notion", async (c) => {
    const input = await bodyOf(c, connectionInputSchema);
    if (input instanceof Response) return input;
    const tenant = await tenantOf(c, input.tenant);
    if (tenant instanceof Response) return tenant;
    if (!secretValue(c.env, input.token_secret))
      return c.json(
        apiError(
          "secret_missing",
          `The Worker has no secret named ${input.token_secret}; set it with \`wrangler secret put ${input.token_secret}\`.`,
        ),
        400,
      );
    const { tenant: _, ...connection } = input;
    const saved = await putConnection(c.env.DB, tenant.id, connection, now());
    // The webhook secret may come later: Notion sends the verification token only once the URL is registered.
    const webhookSecretMissing = input.webhook_secret !== null && !secretValue(c.env, input.webhook_secret);
    return c.json({
      connection: saved,
      webhook_url: new URL(`/webhooks/notion/${tenant.id}`, c.req.url).toString(),
      ...(webhookSecretMissing
        ? {
            warning: `Webhooks are refused until the Worker has the secret ${input.webhook_secret}: register the webhook URL in Notion, read the verification token with GET /admin/notion/handshake, then \`wrangler secret put ${input.webhook_secret}\`. The cron sync works meanwhile.`,
          }
        : {}),
    });
  });

  admin.get("/notion", async (c) => {
    const tenant = await tenantOf(c);
    if (tenant instanceof Response) return tenant;
    const connection = await getConnection(c.env.DB, tenant.id);
    if (!connection)
      return c.json(
        apiError(
          "not_connected",
          `Tenant ${tenant.id} has no Notion connection; run \`npx policy-os notion setup --connect\`.`,
        ),
        404,
      );
    return c.json({
      connection,
      webhook_url: new URL(`/webhooks/notion/${tenant.id}`, c.req.url).toString(),
      sync: await syncState(c.env.DB, tenant.id),
    });
  });

  admin.delete("/notion", async (c) => {
    const tenant = await tenantOf(c);
    if (tenant instanceof Response) return tenant;
    // Stop the tenant's write-back first, so nothing is written to Notion after the answer.
    await c.env.NOTION_SYNC.get(c.env.NOTION_SYNC.idFromName(tenant.id)).stop();
    if (!(await deleteConnection(c.env.DB, tenant.id)))
      return c.json(apiError("not_connected", `Tenant ${tenant.id} has no Notion connection.`), 404);
    return c.json({
      disconnected: tenant.id,
      note: "The policies and agents in force stay as they are; connect again to resume syncing.",
    });
  });

  admin.get("/notion/handshake", async (c) => {
    const tenant = await tenantOf(c);
    if (tenant instanceof Response) return tenant;
    const token = await handshakeToken(c.env.DB, tenant.id);
    if (!token)
      return c.json(
        apiError("no_handshake", "Notion has not sent a verification token to this tenant's webhook URL yet."),
        404,
      );
    return c.json({
      verification_token: token,
      next: "Paste it into the webhook's Verify dialog in Notion, then store it as the Worker secret the connection names (webhook_secret).",
    });
  });

  admin.post("/sync", async (c) => {
    const input = await bodyOf(
      c,
      withTenant.extend({
        full: z.boolean().optional(),
        sources: z.array(z.enum(SYNCED_SOURCES)).min(1).optional(),
        wait: z.boolean().optional().describe("Answer after Sync status and the Tools catalog are written back"),
      }),
      { optional: true },
    );
    if (input instanceof Response) return input;
    const tenant = await tenantOf(c, input.tenant);
    if (tenant instanceof Response) return tenant;
    if (!(await getConnection(c.env.DB, tenant.id)))
      return c.json(apiError("not_connected", `Tenant ${tenant.id} has no Notion connection.`), 409);
    const report = await requestSync(c.env, tenant.id, {
      reason: "admin",
      full: input.full,
      sources: input.sources,
      wait_for_write_back: input.wait,
    });
    return c.json(report);
  });

  return admin;
}

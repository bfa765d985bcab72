import { Hono } from "hono";
import { z } from "zod";
import { deleteChannel, insertChannel, listChannels, listDeliveries, type ChannelRow } from "../db/notifications";
import { ApiError } from "../http/errors";
import { channelInputSchema } from "../notifications/channel.schema";
import { limitOf, now, type AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";
import { validate } from "./validate";

const deliveriesQuerySchema = z.object({
  tenant: z.string().optional(),
  status: z.enum(["pending", "sending", "delivered", "dead", "undeliverable"]).optional(),
  limit: z.string().optional(),
});

/** A channel as the API shows it: the names of its secrets, never their values. */
function shown(channel: ChannelRow) {
  return {
    name: channel.name,
    kind: channel.kind,
    ...(channel.kind === "webhook" ? { url: channel.url, secret: channel.secret_name } : {}),
    ...(channel.kind === "slack" ? { url_secret: channel.secret_name } : {}),
    default: channel.is_default,
    created_at: channel.created_at,
  };
}

/** The admin API's notification channels (create, list, delete) and the deliveries made to them, dead letters included. */
export function notificationAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.get("/channels", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    return c.json({ tenant: tenant.id, channels: (await listChannels(c.env.DB, tenant.id)).map(shown) });
  });
  admin.post("/channels", validate("json", channelInputSchema), tenantScope({ fromBody: true }), async (c) => {
    const input = c.req.valid("json");
    const channel: ChannelRow = {
      tenant_id: c.get("tenant").id,
      name: input.name,
      kind: input.kind,
      url: input.kind === "webhook" ? input.url : null,
      secret_name: input.kind === "webhook" ? input.secret : input.kind === "slack" ? input.url_secret : null,
      is_default: input.default,
      created_at: now(),
    };
    if (!(await insertChannel(c.env.DB, channel)))
      throw new ApiError(409, "channel_exists", `The tenant has a channel named "${input.name}" already.`);
    return c.json({ channel: shown(channel) }, 201);
  });
  admin.delete("/channels/:name", tenantScope(), async (c) => {
    if (!(await deleteChannel(c.env.DB, c.get("tenant").id, c.req.param("name"))))
      throw new ApiError(404, "channel_not_found", "No such channel.");
    return c.json({ removed: c.req.param("name") });
  });
  admin.get("/notifications", validate("query", deliveriesQuerySchema), tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    const { status } = c.req.valid("query");
    const rows = await listDeliveries(c.env.DB, tenant.id, {
      ...(status ? { status } : {}),
      limit: limitOf(c, 100, 1000),
    });
    return c.json({
      tenant: tenant.id,
      notifications: rows.map(({ tenant_id: _, ...row }) => row),
    });
  });

  return admin;
}

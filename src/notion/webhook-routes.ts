import { verifyWebhookSignature } from "@notionhq/client";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Env } from "../env";
import { takeWebhookDecision } from "../approvals/decisions";
import { apiError } from "../http/errors";
import { getConnection, listConnections, recordHandshake, secretValue, type NotionConnection } from "./connection";
import { requestSync } from "./sync/sync.do";
import {
  approvalsPageOf,
  authoredOnlyByBots,
  handshakeNotice,
  handshakeSchema,
  isStale,
  recordWebhookEvent,
  releasesPageOf,
  syncedSourceOf,
  webhookEventSchema,
} from "./webhook";

/** The largest webhook body accepted (Notion's events carry ids, not values, and are small). */
export const MAX_WEBHOOK_BYTES = 512 * 1024;

const SIGNATURE_FORMAT = /^sha256=[0-9a-f]{64}$/i;

type WebhookEnv = { Bindings: Env };
type WebhookContext = Context<WebhookEnv>;

/** Options for the webhook receiver; the clock is injectable for tests. */
export interface NotionWebhookOptions {
  now?: () => Date;
}

/**
 * Notion's webhook receiver, mounted under /webhooks:
 * `POST /notion/:tenant`, and `POST /notion` when exactly one tenant is connected to Notion.
 * A verified, fresh, first-seen event by a person in a synced database starts a sync of that database, and one
 * about a page in the Approvals database starts the decision intake, and one about a page in the Releases database
 * a sync that takes Accept ticks; all are answered 202 at once. Handshakes
 * are recorded for the operator and never adopted as the signing secret; once the tenant's webhook secret resolves,
 * a handshake must be signed with it to replace the recorded token.
 *
 * @example app.route("/webhooks", notionWebhookRoutes());
 */
export function notionWebhookRoutes({ now = () => new Date() }: NotionWebhookOptions = {}) {
  const webhooks = new Hono<WebhookEnv>();
  const limit = bodyLimit({
    maxSize: MAX_WEBHOOK_BYTES,
    onError: (c) =>
      c.json(apiError("body_too_large", `Webhook bodies are limited to ${MAX_WEBHOOK_BYTES} bytes.`), 413),
  });

  webhooks.post("/notion/:tenant", limit, async (c) => {
    const tenant = c.req.param("tenant");
    const connection = await getConnection(c.env.DB, tenant);
    if (!connection)
      return c.json(apiError("not_connected", `No tenant "${tenant.slice(0, 100)}" is connected to Notion.`), 404);
    return receive(c, connection, now());
  });

  webhooks.post("/notion", limit, async (c) => {
    const connections = await listConnections(c.env.DB);
    if (connections.length !== 1)
      return c.json(
        apiError(
          "tenant_required",
          `${connections.length} tenants are connected to Notion: point the webhook at /webhooks/notion/<tenant>.`,
        ),
        400,
      );
    return receive(c, connections[0]!, now());
  });

  return webhooks;
}

const refuse = (c: WebhookContext, code: string, message: string) => c.json(apiError(code, message), 401);

async function receive(c: WebhookContext, connection: NotionConnection, at: Date) {
  const tenant = connection.tenant_id;
  // The signature covers these exact bytes: read them once and never re-serialise.
  const raw = await c.req.text();
  const signature = c.req.header("x-notion-signature");

  const handshake = handshakeSchema.safeParse(parseJson(raw));
  const verificationToken = secretValue(c.env, connection.webhook_secret);

  if (signature === undefined) {
    if (!handshake.success)
      return refuse(c, "signature_missing", "Notion webhook deliveries must carry X-Notion-Signature.");
    // Once a secret is in force, an unsigned token could be anyone's: letting it replace what the operator reads
    // would let an attacker choose the next secret.
    if (verificationToken) {
      console.warn(
        `notion webhook: an unsigned verification token for tenant ${tenant} was refused, since its webhook secret ${connection.webhook_secret} is set; to verify a new subscription, remove that secret first (docs/notion.md#webhooks).`,
      );
      return refuse(
        c,
        "signature_missing",
        `Tenant ${tenant} already has a webhook secret: a new verification token must be signed with it.`,
      );
    }
    return acceptHandshake(c, connection, handshake.data.verification_token, at);
  }

  if (!verificationToken)
    return refuse(
      c,
      "webhook_not_configured",
      `Tenant ${tenant} has no webhook verification token configured; every delivery is refused.`,
    );
  if (!SIGNATURE_FORMAT.test(signature))
    return refuse(c, "signature_malformed", "X-Notion-Signature must read sha256=<64 hex digits>.");
  if (!(await verifyWebhookSignature({ body: raw, signature, verificationToken })))
    return refuse(c, "signature_invalid", "X-Notion-Signature does not match the body.");

  const event = webhookEventSchema.safeParse(parseJson(raw));
  if (!event.success && handshake.success) return acceptHandshake(c, connection, handshake.data.verification_token, at);
  if (!event.success)
    return c.json(
      apiError(
        "invalid_event",
        "The signed body is not a Notion webhook event.",
        event.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      ),
      400,
    );
  if (isStale(event.data, at))
    return refuse(c, "stale_event", `Event ${event.data.id} is from ${event.data.timestamp}, more than 36 hours ago.`);
  if (!(await recordWebhookEvent(c.env.DB, tenant, event.data.id, at)))
    return refuse(c, "replayed", `Event ${event.data.id} was already received.`);

  // The Worker's own writes (Sync status) come back as bot-authored events: syncing on them would loop.
  if (authoredOnlyByBots(event.data)) return c.json({ ok: true, ignored: "bot_author" }, 200);
  const approvalsPage = approvalsPageOf(event.data, connection.data_sources);
  if (approvalsPage) {
    const intakeFailed = (error: string) =>
      console.error(
        `notion webhook: decision intake for page ${approvalsPage} of tenant ${tenant} (event ${event.data.id}) failed: ${error}`,
      );
    // Out of order and repeated events are safe: the intake reads the page's current Decision.
    c.executionCtx.waitUntil(
      takeWebhookDecision(c.env, tenant, approvalsPage, event.data).then(
        (taken) => {
          if (taken.result === "failed") intakeFailed(taken.error);
        },
        (error: unknown) => intakeFailed(error instanceof Error ? error.message : String(error)),
      ),
    );
    return c.json({ ok: true, intake: "approvals" }, 202);
  }
  if (releasesPageOf(event.data, connection.data_sources)) {
    // Every sync first takes the Accept ticks on held releases' pages; this one reads no database besides.
    c.executionCtx.waitUntil(
      requestSync(c.env, tenant, { reason: "webhook", sources: [] }).then(
        () => undefined,
        (error: unknown) =>
          console.error(
            `notion webhook: release acceptance for tenant ${tenant} (event ${event.data.id}) failed: ${error instanceof Error ? error.message : String(error)}`,
          ),
      ),
    );
    return c.json({ ok: true, intake: "releases" }, 202);
  }
  const source = syncedSourceOf(event.data, connection.data_sources);
  if (!source) return c.json({ ok: true, ignored: "not_synced" }, 200);

  const entity = event.data.entity;
  // Events may arrive out of order; that is safe because the sync re-reads each page's current state.
  c.executionCtx.waitUntil(
    requestSync(c.env, tenant, {
      reason: "webhook",
      sources: [source],
      pages: entity.type === "page" ? [entity.id] : undefined,
    }).then(
      () => undefined,
      (error: unknown) =>
        console.error(
          `notion webhook: sync of ${source} for tenant ${tenant} (event ${event.data.id}) failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
    ),
  );
  return c.json({ ok: true, sync: source }, 202);
}

/** Records a verification token for the operator to read (never adopts it) and logs where to find it. */
async function acceptHandshake(c: WebhookContext, connection: NotionConnection, token: string, at: Date) {
  await recordHandshake(c.env.DB, connection.tenant_id, token, at.toISOString());
  console.log(await handshakeNotice(connection.tenant_id, token, connection.webhook_secret));
  return c.json({ ok: true, handshake: "recorded" }, 200);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

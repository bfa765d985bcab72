import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { adminRoutes } from "./admin/routes";
import { snapshotFor } from "./db/policies";
import type { Principal } from "./db/tenancy";
import { runSigningKey, type Env } from "./env";
import { pipelineDeps } from "./deps";
import { authorizationServers } from "./db/oauth";
import { agentAuth } from "./http/agent-auth";
import { ApiError, apiError, jsonRpcError } from "./http/errors";
import { originAllowed } from "./http/origin";
import { heldTasks } from "./mcp/held-tasks";
import { serveMcp } from "./mcp/server";
import { taskIds } from "./mcp/task-ids";
import { mcpFeatures } from "./wiring/mcp-features";
import { isTenantId, protectedResourceMetadata } from "./oauth/resource";
import { notionWebhookRoutes } from "./notion/webhook-routes";

/** The largest /mcp request body accepted. */
export const MAX_BODY_BYTES = 1024 * 1024;

type AppEnv = { Bindings: Env; Variables: { principal: Principal; received_at: number } };

/** The Worker's HTTP surface: the MCP endpoint, the admin API, and a small index. */
export function createApp() {
  const app = new Hono<AppEnv>();

  app.get("/", (c) =>
    c.json({
      name: "Policy OS",
      mcp: new URL("/mcp", c.req.url).toString(),
      admin: new URL("/admin", c.req.url).toString(),
      docs: "See README.md: connect an MCP client to /mcp with 'Authorization: Bearer <agent key>'.",
    }),
  );
  app.get("/health", (c) => c.json({ ok: true }));

  // /mcp takes API keys; /t/<tenant>/mcp is the same endpoint as one tenant's OAuth protected resource, which also
  // takes that tenant's access tokens (docs/oauth.md).
  const MCP_PATHS = ["/mcp", "/t/:tenant/mcp"];

  app.get("/.well-known/oauth-protected-resource/t/:tenant/mcp", async (c) => {
    const tenant = c.req.param("tenant");
    const issuers = isTenantId(tenant) ? await authorizationServers(c.env.DB, tenant) : [];
    // A tenant that takes no tokens, and one that does not exist, get the same answer.
    if (issuers.length === 0)
      return c.json(apiError("not_found", "This tenant's endpoint accepts no OAuth access tokens."), 404);
    c.header("Access-Control-Allow-Origin", "*");
    c.header("Cache-Control", "public, max-age=60");
    return c.json(
      protectedResourceMetadata(
        c.req.url,
        tenant,
        issuers.map((s) => s.issuer),
      ),
    );
  });

  app.on(["GET", "DELETE", "PUT", "PATCH"], MCP_PATHS, (c) => {
    c.header("Allow", "POST");
    return c.json(
      jsonRpcError(-32000, "Method not allowed: this MCP endpoint is stateless and answers POST only."),
      405,
    );
  });

  app.on(
    "POST",
    MCP_PATHS,
    async function tenantPath(c, next) {
      const tenant = c.req.param("tenant");
      if (tenant !== undefined && !isTenantId(tenant))
        return c.json(apiError("not_found", `No route for POST ${new URL(c.req.url).pathname}.`), 404);
      await next();
    },
    async function originGuard(c, next) {
      if (!originAllowed(c.req.header("origin"), c.env.ALLOWED_ORIGINS))
        return c.json(
          jsonRpcError(-32000, `Origin ${c.req.header("origin")!.slice(0, 200)} is not allowed to call this endpoint.`),
          403,
        );
      await next();
    },
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json(jsonRpcError(-32600, `Request body is larger than ${MAX_BODY_BYTES} bytes.`), 413),
    }),
    async function timeAuth(c, next) {
      c.set("received_at", performance.now());
      await next();
    },
    agentAuth(),
    async (c) => {
      const authed = performance.now();
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        return c.json(jsonRpcError(-32700, "Parse error: the request body is not valid JSON."), 400);
      }
      const principal = c.get("principal");
      const pipeline = pipelineDeps(c.env, c.executionCtx);
      const snapshot = await snapshotFor(c.env.DB, principal.tenant);
      const loaded = performance.now();
      const response = await serveMcp(c.req.raw, body, {
        principal,
        snapshot,
        catalog: () => pipeline.hosts.catalog(principal.tenant.id),
        circuits: () => pipeline.hostHealth.circuits(principal.tenant.id),
        pipeline,
        features: mcpFeatures(c.env, c.executionCtx, principal.tenant.id),
        // Bounded and redacted as a whole by the pipeline before any record: a cut here could halve an email.
        user_agent: c.req.header("user-agent") ?? null,
        heldTasks: heldTasks({
          db: c.env.DB,
          ids: taskIds(runSigningKey(c.env)),
          escalationOf: (owner, id) => pipeline.escalations.escalationOfAgent(owner, id),
          now: pipeline.now,
        }),
      });
      const ms = (from: number, to: number) => (to - from).toFixed(1);
      const received = c.get("received_at");
      response.headers.set(
        "Server-Timing",
        `auth;dur=${ms(received, authed)}, policy;dur=${ms(authed, loaded)};desc="policy snapshot", total;dur=${ms(received, performance.now())}`,
      );
      return response;
    },
  );

  app.route("/webhooks", notionWebhookRoutes());
  app.route("/admin", adminRoutes());

  app.notFound((c) =>
    c.json(apiError("not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`), 404),
  );
  // The one place errors become responses: an ApiError is a refusal the client is told about (headers set before
  // it was thrown, such as WWW-Authenticate, are kept); anything else is a fault the client learns nothing of.
  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json(error.body, error.status);
    console.error(`unhandled error on ${c.req.method} ${new URL(c.req.url).pathname}: ${error.name}: ${error.message}`);
    return c.json(
      apiError("internal_error", "Policy OS hit an internal error; the operator can find it in the Worker logs."),
      500,
    );
  });
  return app;
}

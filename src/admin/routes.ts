import { Hono } from "hono";
import { forgetPrincipals } from "../http/principal-cache";
import { agentAdminRoutes } from "./agent-routes";
import { artifactAdminRoutes } from "./artifact-routes";
import { auditAdminRoutes } from "./audit-routes";
import { adminAuth } from "./auth";
import { digestAdminRoutes } from "./digest-routes";
import { escalationAdminRoutes } from "./escalation-routes";
import { evidenceAdminRoutes } from "./evidence-routes";
import { goldenTaskAdminRoutes } from "./golden-task-routes";
import { hostAdminRoutes } from "./host-routes";
import { incidentAdminRoutes } from "./incident-routes";
import { keyAdminRoutes } from "./key-routes";
import { ledgerAdminRoutes } from "./ledger-routes";
import { notionAdminRoutes } from "./notion-routes";
import { notificationAdminRoutes } from "./notification-routes";
import { oauthAdminRoutes } from "./oauth-routes";
import { policyAdminRoutes } from "./policy-routes";
import type { AdminEnv } from "./request";
import { releaseAdminRoutes } from "./release-routes";
import { runAdminRoutes } from "./run-routes";
import { seedAdminRoutes } from "./seed-routes";
import { tenantAdminRoutes } from "./tenant-routes";

/** The admin API (JSON, `Authorization: Bearer <ADMIN_TOKEN>`). Every call names its tenant. */
export function adminRoutes() {
  const admin = new Hono<AdminEnv>();
  admin.use("*", adminAuth());
  admin.use("*", async function forgetCachedPrincipalsOnChange(c, next) {
    await next();
    if (c.req.method !== "GET") forgetPrincipals();
  });

  admin.route("/", tenantAdminRoutes());
  admin.route("/", agentAdminRoutes());
  admin.route("/", keyAdminRoutes());
  admin.route("/", oauthAdminRoutes());
  admin.route("/", runAdminRoutes());
  admin.route("/", policyAdminRoutes());
  admin.route("/", releaseAdminRoutes());
  admin.route("/", goldenTaskAdminRoutes());
  admin.route("/", hostAdminRoutes());
  admin.route("/", incidentAdminRoutes());
  admin.route("/", escalationAdminRoutes());
  admin.route("/", auditAdminRoutes());
  admin.route("/", ledgerAdminRoutes());
  admin.route("/", evidenceAdminRoutes());
  admin.route("/", digestAdminRoutes());
  admin.route("/", notionAdminRoutes());
  admin.route("/", seedAdminRoutes());
  admin.route("/", artifactAdminRoutes());
  admin.route("/", notificationAdminRoutes());

  return admin;
}

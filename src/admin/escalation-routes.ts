import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { MAX_BREAK_GLASS_PERSON, MAX_BREAK_GLASS_REASON, type BreakGlassRefusal } from "../approvals/break-glass";
import { escalationObject } from "../approvals/escalation-object";
import { listEscalations } from "../approvals/escalations";
import { escalationRow } from "../db/escalations";
import { ApiError } from "../http/errors";
import { limitOf, withTenant, type AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";
import { validate } from "./validate";

/** Control and format characters (zero-width, bidirectional overrides): they hide or reorder what a reader sees. */
const INVISIBLE = /[\p{Cc}\p{Cf}]/u;

const breakGlassSchema = withTenant.extend({
  decision: z.enum(["approved", "denied"]).describe("the decision taken"),
  as: z
    .string()
    .trim()
    .min(1, "name the approver deciding")
    .max(MAX_BREAK_GLASS_PERSON)
    .refine((name) => !INVISIBLE.test(name), "the approver's name has control or invisible characters")
    .describe("the approver deciding, named as the escalation names its approvers"),
  reason: z
    .string()
    .trim()
    .min(1, "say why the decision is taken by break-glass")
    .max(MAX_BREAK_GLASS_REASON, `the reason is at most ${MAX_BREAK_GLASS_REASON} characters`)
    .refine((reason) => !INVISIBLE.test(reason.replaceAll("\n", " ")), "the reason has control or invisible characters")
    .describe("why; redacted before it is stored"),
});

/** The HTTP status of each break-glass refusal. */
const REFUSAL_STATUS: Record<BreakGlassRefusal, ContentfulStatusCode> = {
  escalation_not_found: 404,
  escalation_expired: 409,
  escalation_already_decided: 409,
  not_an_approver: 403,
  approver_is_requester: 403,
  approver_owns_agent: 403,
};

/**
 * The admin API's escalations: `GET /admin/escalations?status=…&limit=…` lists the tenant's, newest first;
 * `POST /admin/escalations/:id/decision` takes a break-glass decision while Notion is unreachable (never calling
 * Notion), under the rules a decision taken in Notion follows.
 */
export function escalationAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.get("/escalations", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    const escalations = await listEscalations(c.env.DB, tenant.id, {
      status: c.req.query("status"),
      limit: limitOf(c, 50, 500),
    });
    return c.json({ tenant: tenant.id, escalations });
  });

  admin.post(
    "/escalations/:id/decision",
    validate("json", breakGlassSchema),
    tenantScope({ fromBody: true }),
    async (c) => {
      const tenant = c.get("tenant");
      const escalation_id = c.req.param("id");
      const input = c.req.valid("json");
      // An id the tenant does not have never reaches (or creates) an escalation object.
      if (!(await escalationRow(c.env.DB, escalation_id, tenant.id)))
        throw new ApiError(404, "escalation_not_found", `Tenant ${tenant.id} has no escalation "${escalation_id}".`);
      const taken = await escalationObject(c.env, escalation_id).decideBreakGlass({
        tenant_id: tenant.id,
        escalation_id,
        decision: input.decision,
        as: input.as,
        reason: input.reason,
      });
      if (taken.result === "failed") {
        console.error(`break-glass decision on ${tenant.id}/${escalation_id} failed: ${taken.error}`);
        throw new ApiError(
          503,
          "escalation_unavailable",
          "The decision could not be recorded now; nothing was decided. Try again.",
        );
      }
      if (taken.result === "refused")
        throw new ApiError(REFUSAL_STATUS[taken.reason_code], taken.reason_code, taken.message);
      const { escalation } = taken;
      return c.json({
        tenant: tenant.id,
        escalation_id,
        decision: input.decision,
        via: "break_glass" as const,
        decided_by: escalation.decided_by,
        decided_at: escalation.decided_at,
        reason: escalation.decision_reason,
        tool: escalation.tool,
        agent_id: escalation.agent_id,
        page: escalation.notion_page_id
          ? "The Approvals page shows the decision, taken by break-glass, once Notion answers."
          : "The escalation has no Approvals page.",
      });
    },
  );

  return admin;
}

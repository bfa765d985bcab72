import { Hono } from "hono";
import { z } from "zod";
import { claudeSpend } from "../claude";
import { lastCompleteWeek, writeDigest } from "../digest/weekly";
import { weekStartSchema } from "../digest/week";
import { ApiError } from "../http/errors";
import { latestClaudeCalls } from "../db/claude-calls";
import { digestPorts } from "../wiring/digest";
import { limitOf, type AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";
import { validate } from "./validate";

const digestRequestSchema = z.strictObject({
  week: weekStartSchema.optional().describe("the Monday (YYYY-MM-DD, UTC) of the week; default the last complete week"),
});

/**
 * The admin API's Claude and digest routes: `POST /admin/digest` writes (or rewrites) a week's digest page now;
 * `GET /admin/claude` shows the month's Claude spend against the cap and the latest calls (no prompt or answer).
 */
export function digestAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.post("/digest", validate("json", digestRequestSchema, { optional: true }), tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    const week = c.req.valid("json").week ?? lastCompleteWeek(new Date());
    const report = await writeDigest(c.env, digestPorts(c.env), tenant.id, week);
    const { page } = report;
    if (page.status === "skipped" && page.reason === "no_connection")
      throw new ApiError(
        409,
        "notion_not_connected",
        `Tenant "${tenant.id}" has no Notion connection: connect it with PUT /admin/notion.`,
      );
    if (page.status === "skipped")
      throw new ApiError(409, "digest_in_progress", `The digest of ${week} is being written; try again shortly.`);
    if (page.status === "failed")
      throw new ApiError(502, "notion_unavailable", `Notion did not take the digest of ${week}: ${page.error}`);
    return c.json({ digest: report });
  });

  admin.get("/claude", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    const spend = await claudeSpend(c.env.DB, tenant.id, new Date());
    const results = await latestClaudeCalls(c.env.DB, tenant.id, limitOf(c, 50, 500));
    return c.json({
      month: { spent_usd: spend.spent_microusd / 1e6, cap_usd: spend.cap_microusd / 1e6 },
      calls: results,
    });
  });

  return admin;
}

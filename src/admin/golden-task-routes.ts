import { Hono } from "hono";
import { deleteGoldenTask, listGoldenTasks, putGoldenTask } from "../db/golden-tasks";
import { ApiError } from "../http/errors";
import { goldenTaskSchema } from "../release/golden";
import { now, withTenant, type AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";
import { validate } from "./validate";

const putSchema = goldenTaskSchema.extend(withTenant.shape);

/** The admin API's golden tasks: list them with their last results, set one by name, delete one. */
export function goldenTaskAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.get("/golden-tasks", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    return c.json({ tenant: tenant.id, golden_tasks: await listGoldenTasks(c.env.DB, tenant.id) });
  });

  admin.put("/golden-tasks", validate("json", putSchema), tenantScope({ fromBody: true }), async (c) => {
    const tenant = c.get("tenant");
    const { tenant: _named, ...task } = c.req.valid("json");
    await putGoldenTask(c.env.DB, tenant.id, task, now());
    return c.json({ tenant: tenant.id, golden_task: { ...task, last_result: null } });
  });

  admin.delete("/golden-tasks/:name", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    const name = c.req.param("name");
    if (!(await deleteGoldenTask(c.env.DB, tenant.id, name)))
      throw new ApiError(404, "golden_task_not_found", `Tenant ${tenant.id} has no golden task "${name}".`);
    return c.json({ tenant: tenant.id, deleted: name });
  });

  return admin;
}

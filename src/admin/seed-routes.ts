import { Hono } from "hono";
import { isLocal } from "../env";
import { ApiError } from "../http/errors";
import { now, type AdminEnv } from "./request";
import { seedDemo } from "./seed";

/** The admin API's demo seed: `POST /admin/seed`, under local dev only (403 `local_only` elsewhere). */
export function seedAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.post("/seed", async (c) => {
    if (!isLocal(c.env)) throw new ApiError(403, "local_only", "The demo seed only runs under local dev.");
    return c.json(await seedDemo(c.env, now()));
  });

  return admin;
}

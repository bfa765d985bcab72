import type { Context } from "hono";
import { z } from "zod";
import type { Env } from "../env";

/** The admin API's hono environment: the Worker's bindings. */
export type AdminEnv = { Bindings: Env };

/** `?limit=` as a positive integer up to `max`; `fallback` when absent or not one. */
export const limitOf = (c: Context, fallback: number, max: number) => {
  const n = Number(c.req.query("limit") ?? fallback);
  return Number.isInteger(n) && n > 0 ? Math.min(n, max) : fallback;
};

/** The optional `tenant` a body may carry instead of `?tenant=` (see `tenantScope({ fromBody: true })`). */
export const withTenant = z.object({ tenant: z.string().optional() });

/** The time now, as the ISO-8601 string rows record. */
export const now = () => new Date().toISOString();

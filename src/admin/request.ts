import type { Context } from "hono";
import { z } from "zod";
import { getTenant, type Tenant } from "../db/tenancy";
import { LOCAL_DEFAULTS, isLocal, type Env } from "../env";
import { apiError } from "../http/errors";

export type AdminEnv = { Bindings: Env };

export type AdminContext = Context<AdminEnv>;

export const limitOf = (c: AdminContext, fallback: number, max: number) => {
  const n = Number(c.req.query("limit") ?? fallback);
  return Number.isInteger(n) && n > 0 ? Math.min(n, max) : fallback;
};

/**
 * Reads and validates a JSON body; answers 400 with the zod issues when it does not fit. With `optional`, an
 * empty body reads as `{}`.
 */
export async function bodyOf<T extends z.ZodType>(
  c: AdminContext,
  schema: T,
  options: { optional?: boolean } = {},
): Promise<z.infer<T> | Response> {
  let raw: unknown;
  try {
    const text = await c.req.text();
    raw = options.optional && text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    return c.json(apiError("invalid_json", "The request body is not valid JSON."), 400);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return invalidRequest(c, "The request body does not fit this endpoint.", parsed.error);
  return parsed.data;
}

/** Validates the query parameters; answers 400 naming each parameter that does not fit. */
export function queryOf<T extends z.ZodType>(c: AdminContext, schema: T): z.infer<T> | Response {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((i) => i.path.join(".")))].join(", ");
    return invalidRequest(c, `These query parameters do not fit this endpoint: ${names}.`, parsed.error);
  }
  return parsed.data;
}

function invalidRequest(c: AdminContext, message: string, error: z.ZodError): Response {
  const details = error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  return c.json(apiError("invalid_request", message, details), 400);
}

/**
 * The tenant an admin call is about: `?tenant=` (or `tenant` in the body). Local dev defaults to the demo
 * tenant; elsewhere it is required.
 */
export async function tenantOf(c: AdminContext, fromBody?: string): Promise<Tenant | Response> {
  const id = c.req.query("tenant") ?? fromBody ?? (isLocal(c.env) ? LOCAL_DEFAULTS.demoTenantId : undefined);
  if (!id) return c.json(apiError("tenant_required", "Name the tenant with ?tenant=<id>."), 400);
  const tenant = await getTenant(c.env.DB, id);
  return tenant ?? c.json(apiError("tenant_not_found", `No tenant "${id}".`), 404);
}

export const withTenant = z.object({ tenant: z.string().optional() });
export const now = () => new Date().toISOString();

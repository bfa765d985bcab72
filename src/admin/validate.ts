import type { MiddlewareHandler } from "hono";
import type { BlankEnv } from "hono/types";
import type { z } from "zod";
import { ApiError } from "../http/errors";

/** Options of {@link validate}. */
export interface ValidateOptions {
  /** For `json`: an empty body reads as `{}`. */
  optional?: boolean;
}

/**
 * Parses the request's JSON body or its query parameters with `schema` and hands the result to the next handler as
 * `c.req.valid(target)`. A body that is not JSON is refused with 400 `invalid_json`; one that does not fit, or
 * query parameters that do not, with 400 `invalid_request` and the zod issues as details. Unlike `hono/validator`,
 * the body is read as JSON whatever its Content-Type, and an optional body may be empty.
 *
 * @example admin.patch("/agents/:id", validate("json", z.object({ status: z.enum(["active", "suspended"]) })), h)
 */
export function validate<Target extends "json" | "query", Schema extends z.ZodType>(
  target: Target,
  schema: Schema,
  options: ValidateOptions = {},
): MiddlewareHandler<BlankEnv, string, { out: { [K in Target]: z.output<Schema> } }> {
  return async function validate(c, next) {
    const parsed = schema.safeParse(target === "json" ? jsonBody(await c.req.text(), options) : c.req.query());
    if (!parsed.success) {
      const details = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
      throw new ApiError(400, "invalid_request", target === "json" ? BODY_MISFIT : queryMisfit(parsed.error), details);
    }
    c.req.addValidatedData(target, parsed.data as object);
    await next();
  };
}

const BODY_MISFIT = "The request body does not fit this endpoint.";

function queryMisfit(error: z.ZodError): string {
  const names = [...new Set(error.issues.map((i) => i.path.join(".")))].join(", ");
  return `These query parameters do not fit this endpoint: ${names}.`;
}

function jsonBody(text: string, options: ValidateOptions): unknown {
  try {
    return options.optional && text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_json", "The request body is not valid JSON.");
  }
}

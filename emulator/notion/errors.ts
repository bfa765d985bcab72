/** An error Notion would answer with: HTTP status, Notion error code and message. */
export class NotionApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Renders an error as Notion's `{ object: "error", status, code, message }` JSON response. */
export function errorResponse(error: NotionApiError, requestId: string): Response {
  const body = {
    object: "error",
    status: error.status,
    code: error.code,
    message: error.message,
    request_id: requestId,
  };
  return new Response(JSON.stringify(body), {
    status: error.status,
    headers: { "content-type": "application/json", ...error.headers },
  });
}

/** A 400 `validation_error` with Notion's "body failed validation" wording. */
export function validationError(message: string): NotionApiError {
  return new NotionApiError(400, "validation_error", message);
}

/** A 400 `validation_error` for a value over one of Notion's size limits. */
export function limitError(path: string, limit: number, actual: number): NotionApiError {
  return validationError(`body failed validation: ${path} should be ≤ \`${limit}\`, instead was \`${actual}\`.`);
}

/** The 400 `validation_error` Notion answers when a request edits a page or block in the trash. */
export function archivedError(): NotionApiError {
  return validationError("Can't edit block that is archived. You must unarchive the block before editing.");
}

/** A 404 `object_not_found` for an id the integration cannot see. */
export function notFound(kind: string, id: string): NotionApiError {
  return new NotionApiError(
    404,
    "object_not_found",
    `Could not find ${kind} with ID: ${id}. Make sure the relevant pages and databases are shared with your integration.`,
  );
}

/** A plain object (not an array, not null) or undefined. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The value as a plain object, or a validation error naming its path. */
export function requireRecord(value: unknown, path: string): Record<string, unknown> {
  const record = asRecord(value);
  if (!record)
    throw validationError(
      `body failed validation: ${path} should be an object, instead was \`${JSON.stringify(value)}\`.`,
    );
  return record;
}

/** The value as an array, or a validation error naming its path. */
export function requireArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value))
    throw validationError(
      `body failed validation: ${path} should be an array, instead was \`${JSON.stringify(value)}\`.`,
    );
  return value;
}

/** The value as a string, or a validation error naming its path. */
export function requireString(value: unknown, path: string): string {
  if (typeof value !== "string")
    throw validationError(
      `body failed validation: ${path} should be a string, instead was \`${JSON.stringify(value)}\`.`,
    );
  return value;
}

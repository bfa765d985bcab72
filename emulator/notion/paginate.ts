import { limitError, validationError } from "./errors";

/** Notion's page size limit and default. */
export const MAX_PAGE_SIZE = 100;

/** One page of a list: Notion's cursor is the id of the first item of the next page. */
export interface ListPage<T> {
  results: T[];
  next_cursor: string | null;
  has_more: boolean;
}

/** Reads page_size (1–100, default 100) from a body or query value. */
export function pageSizeOf(raw: unknown, path: string): number {
  if (raw === undefined || raw === null) return MAX_PAGE_SIZE;
  const size = typeof raw === "string" ? Number(raw) : raw;
  if (typeof size !== "number" || !Number.isInteger(size) || size < 1) {
    throw validationError(
      `body failed validation: ${path} should be a positive integer, instead was \`${String(raw)}\`.`,
    );
  }
  if (size > MAX_PAGE_SIZE) throw limitError(path, MAX_PAGE_SIZE, size);
  return size;
}

/** The page of `items` starting at the item whose id is `cursor`. */
export function paginate<T>(
  items: readonly T[],
  idOf: (item: T) => string,
  cursor: unknown,
  pageSize: number,
): ListPage<T> {
  let start = 0;
  if (typeof cursor === "string" && cursor !== "") {
    start = items.findIndex((item) => idOf(item) === cursor);
    if (start < 0) throw validationError(`body failed validation: start_cursor \`${cursor}\` is not a valid cursor.`);
  }
  const results = items.slice(start, start + pageSize);
  const next = items[start + pageSize];
  return { results, next_cursor: next ? idOf(next) : null, has_more: next !== undefined };
}

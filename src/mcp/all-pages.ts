/** Pages of an upstream list read at most (a longer list is cut there). */
export const MAX_PAGES = 20;

/** Every item of a paginated upstream list, up to {@link MAX_PAGES} pages (a longer list is cut there). */
export async function allPages<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; next?: string | undefined }>,
): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  for (let n = 0; n < MAX_PAGES; n++) {
    const { items, next } = await page(cursor);
    all.push(...items);
    if (next === undefined) break;
    cursor = next;
  }
  return all;
}

/** Every item of a paginated upstream list, up to `maxPages` pages (a longer list is cut there). */
export async function allPages<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; next?: string | undefined }>,
  maxPages: number,
): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  for (let n = 0; n < maxPages; n++) {
    const { items, next } = await page(cursor);
    all.push(...items);
    if (next === undefined) break;
    cursor = next;
  }
  return all;
}

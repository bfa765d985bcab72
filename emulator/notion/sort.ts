import type { PageObjectResponse } from "@notionhq/client";
import { requireArray, requireRecord, validationError } from "./errors";
import { fullValue } from "./render-page";
import { plainText } from "./rich-text";
import { optionsOf, type PropertyConfig } from "./schema";

type Sortable = { page: PageObjectResponse; seq: number };
type Key = string | number | null;

/** Sorts rows by the query's sorts (ties, and no sorts, fall back to creation order); empty values sort last. */
export function sortPages<T extends Sortable>(rows: T[], sorts: unknown, schema: Record<string, PropertyConfig>): T[] {
  const keys =
    sorts === undefined
      ? []
      : requireArray(sorts, "body.sorts").map((raw, i) => keyOf(raw, `body.sorts[${i}]`, schema));
  return [...rows].sort((a, b) => {
    for (const { key, descending } of keys) {
      const x = key(a.page);
      const y = key(b.page);
      if (x === y) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      const order = x < y ? -1 : 1;
      return descending ? -order : order;
    }
    return a.seq - b.seq;
  });
}

function keyOf(raw: unknown, path: string, schema: Record<string, PropertyConfig>) {
  const sort = requireRecord(raw, path);
  const descending = sort.direction === "descending";
  if (sort.direction !== "ascending" && !descending)
    throw validationError(`body failed validation: ${path}.direction should be ascending or descending.`);
  if (sort.timestamp === "created_time" || sort.timestamp === "last_edited_time") {
    const timestamp = sort.timestamp;
    return { descending, key: (page: PageObjectResponse): Key => page[timestamp] };
  }
  const entry = Object.entries(schema).find(([name, c]) => name === sort.property || c.id === sort.property);
  if (!entry) throw validationError(`Could not find sort property with name or id: ${String(sort.property)}`);
  const [name, config] = entry;
  return { descending, key: (page: PageObjectResponse): Key => sortKey(fullValue(page, name, config), config) };
}

function sortKey(value: ReturnType<typeof fullValue>, config: PropertyConfig): Key {
  switch (value.type) {
    case "title":
      return plainText(value.title) || null;
    case "rich_text":
      return plainText(value.rich_text) || null;
    case "number":
      return value.number;
    case "checkbox":
      return value.checkbox ? 1 : 0;
    case "select":
      return value.select ? optionsOf(config).findIndex((o) => o.id === value.select?.id) : null;
    case "date":
      return value.date ? Date.parse(value.date.start) : null;
    case "url":
      return value.url;
    case "email":
      return value.email;
    case "phone_number":
      return value.phone_number;
    case "created_time":
      return value.created_time;
    case "last_edited_time":
      return value.last_edited_time;
    default:
      throw validationError(`body failed validation: the emulator cannot sort by a ${config.type} property.`);
  }
}

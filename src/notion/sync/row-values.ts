import type { Client, PageObjectResponse } from "@notionhq/client";
import { hashOf, type JsonValue } from "../../ledger";

/** A person as a Notion people property names them. */
export interface PersonValue {
  id: string;
  name: string | null;
  email: string | null;
}

/** One property's value, flattened: text as a string, selects as names, people as ids with name and email. */
export type RowValue = string | number | boolean | null | string[] | PersonValue[];

/** A Notion row as the sync reads it: property name → flat value. */
export type RowValues = Record<string, RowValue>;

/** The property the Worker writes back; it is never part of a row's content. */
export const SYNC_STATUS = "Sync status";

/** `pages.retrieve` and queries return at most this many items of a text, people or relation value. */
const TRUNCATED_AT = 25;

type PropertyValue = PageObjectResponse["properties"][string];

const plain = (parts: ReadonlyArray<{ plain_text?: string }>) => parts.map((part) => part.plain_text ?? "").join("");

/** One property's flat value, or undefined for the kinds the sync does not read (formulas, rollups, timestamps). */
export function flatten(value: PropertyValue): RowValue | undefined {
  switch (value.type) {
    case "title":
      return plain(value.title);
    case "rich_text":
      return plain(value.rich_text);
    case "select":
      return value.select?.name ?? null;
    case "status":
      return value.status?.name ?? null;
    case "multi_select":
      return value.multi_select.map((option) => option.name);
    case "number":
      return value.number;
    case "checkbox":
      return value.checkbox;
    case "date":
      return value.date?.start ?? null;
    case "url":
      return value.url;
    case "email":
      return value.email;
    case "phone_number":
      return value.phone_number;
    case "relation":
      return value.relation.map((related) => related.id);
    case "people":
      return value.people.map((person) => ({
        id: person.id,
        name: "name" in person && typeof person.name === "string" ? person.name : null,
        email: "person" in person && person.person && "email" in person.person ? (person.person.email ?? null) : null,
      }));
    default:
      return undefined;
  }
}

/**
 * A page's properties as flat values. Text, people and relation values that may have been cut at 25 items are
 * read whole through `pages.properties.retrieve` (one request each, only when the cut is possible).
 */
export async function rowValues(page: PageObjectResponse, client: Client, count: () => void): Promise<RowValues> {
  const values: RowValues = {};
  for (const [name, value] of Object.entries(page.properties)) {
    let flat = flatten(value);
    if (flat === undefined) continue;
    if (mayBeTruncated(value)) {
      count();
      flat = flatten(await fullValue(client, page.id, value)) ?? flat;
    }
    values[name] = flat;
  }
  return values;
}

function mayBeTruncated(value: PropertyValue): boolean {
  switch (value.type) {
    case "title":
      return value.title.length >= TRUNCATED_AT;
    case "rich_text":
      return value.rich_text.length >= TRUNCATED_AT;
    case "people":
      return value.people.length >= TRUNCATED_AT;
    case "relation":
      return value.relation.length >= TRUNCATED_AT || (value as { has_more?: boolean }).has_more === true;
    default:
      return false;
  }
}

async function fullValue(client: Client, page_id: string, value: PropertyValue): Promise<PropertyValue> {
  const all: unknown[] = [];
  let start_cursor: string | undefined;
  do {
    const page = await client.pages.properties.retrieve({ page_id, property_id: value.id, start_cursor });
    if (page.object !== "list") return value;
    for (const item of page.results) all.push((item as unknown as Record<string, unknown>)[value.type]);
    start_cursor = page.has_more ? (page.next_cursor ?? undefined) : undefined;
  } while (start_cursor);
  return { ...value, [value.type]: all } as PropertyValue;
}

/** The hash that tells whether a row changed (its values, without Sync status). */
export function contentHash(values: RowValues): Promise<string> {
  return hashOf(values as unknown as JsonValue);
}

/** The text of a value, for titles and names in reports ("" when it has none). */
export function textOf(value: RowValue | undefined): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return "";
}

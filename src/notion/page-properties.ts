import type { CreatePageParameters, PageObjectResponse } from "@notionhq/client";
import type { DatabaseTemplate } from "./templates";

/** Notion's page property values for creating a row (from @notionhq/client's own types). */
export type NotionPageProperties = NonNullable<CreatePageParameters["properties"]>;

/** Notion refuses text objects over 2,000 characters; longer text is split into several. */
export const MAX_TEXT_OBJECT = 2000;

/** Rich text for a string of any length, split into text objects Notion accepts. */
export function richText(text: string): { type: "text"; text: { content: string } }[] {
  const parts: { type: "text"; text: { content: string } }[] = [];
  for (let i = 0; i < text.length; i += MAX_TEXT_OBJECT)
    parts.push({ type: "text", text: { content: text.slice(i, i + MAX_TEXT_OBJECT) } });
  return parts;
}

/**
 * A template row (values keyed by property name, as in notion-templates/) as Notion page properties. People are
 * given by name and resolved through `people` (name → user id); a name with no user is reported, not guessed.
 */
export function pageProperties(
  template: DatabaseTemplate,
  row: Record<string, unknown>,
  people: ReadonlyMap<string, string>,
): { properties: NotionPageProperties; unknownPeople: string[] } {
  const properties: NotionPageProperties = {};
  const unknownPeople: string[] = [];
  for (const [name, value] of Object.entries(row)) {
    const property = template.properties[name];
    if (!property || value === null || value === undefined) continue;
    const list = (Array.isArray(value) ? value : [value]).map(String);
    switch (property.type) {
      case "title":
        properties[name] = { title: richText(String(value)) };
        break;
      case "rich_text":
        properties[name] = { rich_text: richText(String(value)) };
        break;
      case "number":
        properties[name] = { number: Number(value) };
        break;
      case "checkbox":
        properties[name] = { checkbox: value === true };
        break;
      case "date":
        properties[name] = { date: { start: String(value) } };
        break;
      case "select":
        properties[name] = { select: { name: String(value) } };
        break;
      case "multi_select":
        properties[name] = { multi_select: list.map((option) => ({ name: option })) };
        break;
      case "people": {
        const ids = list.flatMap((person) => {
          const id = people.get(person);
          if (!id) unknownPeople.push(person);
          return id ? [{ id }] : [];
        });
        properties[name] = { people: ids };
        break;
      }
      case "relation":
        // Sample rows carry no relations: they point at pages that exist only once rows are created.
        break;
    }
  }
  return { properties, unknownPeople };
}

/** A page's select property's option name (null when unset, or not a select). */
export function selectOf(page: PageObjectResponse, name: string): string | null {
  const value = page.properties[name];
  return value?.type === "select" ? (value.select?.name ?? null) : null;
}

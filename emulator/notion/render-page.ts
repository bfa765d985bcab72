import type { PageObjectResponse } from "@notionhq/client";
import type { PropertyValue } from "./property-values";
import type { PropertyConfig } from "./schema";
import type { EmulatorState } from "./state";

/** pages.retrieve and query results list at most this many people, relations or rich-text items per property. */
export const PAGE_REFERENCE_LIMIT = 25;

/** The schema a page's properties follow: its data source's, or a lone title for a page under a page. */
export function schemaOf(state: EmulatorState, page: PageObjectResponse): Record<string, PropertyConfig> {
  if (page.parent.type === "data_source_id") return state.dataSources[page.parent.data_source_id]?.properties ?? {};
  return { title: { id: "title", name: "title", description: null, type: "title", title: {} } };
}

/** A property's full value (computed ones derived from the page), with nothing truncated. */
export function fullValue(page: PageObjectResponse, name: string, config: PropertyConfig): PropertyValue {
  const id = config.id;
  switch (config.type) {
    case "created_time":
      return { id, type: "created_time", created_time: page.created_time };
    case "last_edited_time":
      return { id, type: "last_edited_time", last_edited_time: page.last_edited_time };
    case "created_by":
      return { id, type: "created_by", created_by: page.created_by };
    case "last_edited_by":
      return { id, type: "last_edited_by", last_edited_by: page.last_edited_by };
    default:
      return page.properties[name] ?? emptyValue(config);
  }
}

/** A page as Notion returns it: every schema property present, long reference lists cut at 25. */
export function renderPage(
  state: EmulatorState,
  page: PageObjectResponse,
  onlyIds?: readonly string[],
): PageObjectResponse {
  const properties: Record<string, PropertyValue> = {};
  for (const [name, config] of Object.entries(schemaOf(state, page))) {
    if (onlyIds && onlyIds.length > 0 && !onlyIds.includes(config.id) && !onlyIds.includes(name)) continue;
    properties[name] = truncate(fullValue(page, name, config));
  }
  return { ...page, properties };
}

function truncate(value: PropertyValue): PropertyValue {
  switch (value.type) {
    case "title":
      return { ...value, title: value.title.slice(0, PAGE_REFERENCE_LIMIT) };
    case "rich_text":
      return { ...value, rich_text: value.rich_text.slice(0, PAGE_REFERENCE_LIMIT) };
    case "people":
      return { ...value, people: value.people.slice(0, PAGE_REFERENCE_LIMIT) };
    case "relation":
      return { ...value, relation: value.relation.slice(0, PAGE_REFERENCE_LIMIT) };
    default:
      return value;
  }
}

function emptyValue(config: PropertyConfig): PropertyValue {
  const id = config.id;
  switch (config.type) {
    case "title":
      return { id, type: "title", title: [] };
    case "rich_text":
      return { id, type: "rich_text", rich_text: [] };
    case "people":
      return { id, type: "people", people: [] };
    case "relation":
      return { id, type: "relation", relation: [] };
    case "multi_select":
      return { id, type: "multi_select", multi_select: [] };
    case "checkbox":
      return { id, type: "checkbox", checkbox: false };
    case "select":
      return { id, type: "select", select: null };
    case "number":
      return { id, type: "number", number: null };
    case "date":
      return { id, type: "date", date: null };
    case "url":
      return { id, type: "url", url: null };
    case "email":
      return { id, type: "email", email: null };
    case "phone_number":
      return { id, type: "phone_number", phone_number: null };
    default:
      return { id, type: "rich_text", rich_text: [] };
  }
}

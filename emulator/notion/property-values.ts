import type { PageObjectResponse } from "@notionhq/client";
import { ARRAY_ITEM_LIMIT, TEXT_CONTENT_LIMIT, toRichText } from "./rich-text";
import { asRecord, limitError, requireArray, requireRecord, requireString, validationError } from "./errors";
import type { Directory } from "./identity";
import { normalizeId } from "./ids";
import { newOption, optionsOf, type PropertyConfig, type SelectOption } from "./schema";
import type { EmulatorState } from "./state";

/** One property value of a page, as Notion returns it. */
export type PropertyValue = PageObjectResponse["properties"][string];

/** Property types whose values Notion computes; a request cannot set them. */
export const COMPUTED_TYPES = ["created_time", "created_by", "last_edited_time", "last_edited_by"] as const;

/** What applying a request's property values did. */
export interface AppliedValues {
  values: Record<string, PropertyValue>;
  /** Ids of the properties the request set. */
  changedIds: string[];
  /** True when a select option was added to the schema. */
  schemaChanged: boolean;
}

/** Everything a value needs to be validated: the schema (select options may be added), users and pages. */
export interface ValueContext {
  schema: Record<string, PropertyConfig>;
  directory: Directory;
  state: EmulatorState;
}

/** Validates `properties` from a create or update request against the schema and returns the new values. */
export function applyValues(raw: unknown, ctx: ValueContext): AppliedValues {
  const requested = requireRecord(raw ?? {}, "body.properties");
  const values: Record<string, PropertyValue> = {};
  const changedIds: string[] = [];
  let schemaChanged = false;
  for (const [key, rawValue] of Object.entries(requested)) {
    const path = `body.properties.${key}`;
    const entry = Object.entries(ctx.schema).find(([name, c]) => name === key || c.id === key);
    if (!entry) throw validationError(`${key} is not a property that exists.`);
    const [name, config] = entry;
    const value = requireRecord(rawValue, path);
    if ((COMPUTED_TYPES as readonly string[]).includes(config.type)) {
      throw validationError(`body failed validation: ${path} is a ${config.type} property and cannot be set.`);
    }
    if (!(config.type in value))
      throw validationError(
        `body failed validation: ${path}.${config.type} should be defined, instead was \`undefined\`.`,
      );
    const result = toValue(config, value[config.type], `${path}.${config.type}`, ctx);
    schemaChanged ||= result.schemaChanged;
    values[name] = result.value;
    changedIds.push(config.id);
  }
  return { values, changedIds, schemaChanged };
}

function toValue(
  config: PropertyConfig,
  raw: unknown,
  path: string,
  ctx: ValueContext,
): { value: PropertyValue; schemaChanged: boolean } {
  const id = config.id;
  const nameOfUser = (userId: string) => ctx.directory.find(userId)?.name ?? undefined;
  const plain = (value: PropertyValue) => ({ value, schemaChanged: false });
  switch (config.type) {
    case "title":
      return plain({ id, type: "title", title: toRichText(raw, path, nameOfUser) });
    case "rich_text":
      return plain({ id, type: "rich_text", rich_text: toRichText(raw, path, nameOfUser) });
    case "number":
      if (raw !== null && (typeof raw !== "number" || !Number.isFinite(raw)))
        throw validationError(`body failed validation: ${path} should be a number or \`null\`.`);
      return plain({ id, type: "number", number: raw });
    case "url":
    case "email":
    case "phone_number": {
      if (raw !== null && typeof raw !== "string")
        throw validationError(`body failed validation: ${path} should be a string or \`null\`.`);
      if (typeof raw === "string" && raw.length > TEXT_CONTENT_LIMIT)
        throw limitError(`${path}.length`, TEXT_CONTENT_LIMIT, raw.length);
      return plain({ id, type: config.type, [config.type]: raw } as PropertyValue);
    }
    case "checkbox":
      if (typeof raw !== "boolean") throw validationError(`body failed validation: ${path} should be a boolean.`);
      return plain({ id, type: "checkbox", checkbox: raw });
    case "date": {
      if (raw === null) return plain({ id, type: "date", date: null });
      const date = requireRecord(raw, path);
      const start = requireString(date.start, `${path}.start`);
      const end = date.end === undefined || date.end === null ? null : requireString(date.end, `${path}.end`);
      for (const [part, text] of [
        ["start", start],
        ["end", end],
      ] as const) {
        if (text !== null && Number.isNaN(Date.parse(text)))
          throw validationError(
            `body failed validation: ${path}.${part} should be an ISO 8601 date, instead was \`${text}\`.`,
          );
      }
      const timeZone = typeof date.time_zone === "string" ? (date.time_zone as never) : null;
      return plain({ id, type: "date", date: { start, end, time_zone: timeZone } });
    }
    case "select": {
      if (raw === null) return { value: { id, type: "select", select: null }, schemaChanged: false };
      const { option, added } = pickOption(config, raw, path);
      return {
        value: { id, type: "select", select: { id: option.id, name: option.name, color: option.color } },
        schemaChanged: added,
      };
    }
    case "multi_select": {
      const items = limitedArray(raw, path);
      let added = false;
      const chosen = items.map((item, i) => {
        const pick = pickOption(config, item, `${path}[${i}]`);
        added ||= pick.added;
        return { id: pick.option.id, name: pick.option.name, color: pick.option.color };
      });
      return { value: { id, type: "multi_select", multi_select: chosen }, schemaChanged: added };
    }
    case "people": {
      const people = limitedArray(raw, path).map((item, i) => {
        const userId = normalizeId(requireString(requireRecord(item, `${path}[${i}]`).id, `${path}[${i}].id`));
        const user = ctx.directory.find(userId);
        if (!user)
          throw validationError(
            `body failed validation: ${path}[${i}].id \`${userId}\` is not a user in this workspace.`,
          );
        return user;
      });
      return plain({ id, type: "people", people });
    }
    case "relation": {
      const relation = limitedArray(raw, path).map((item, i) => {
        const pageId = normalizeId(requireString(requireRecord(item, `${path}[${i}]`).id, `${path}[${i}].id`));
        const parent = ctx.state.pages[pageId]?.page.parent;
        if (parent?.type !== "data_source_id" || parent.data_source_id !== config.relation.data_source_id) {
          throw validationError(
            `body failed validation: ${path}[${i}].id ${pageId} is not a page of the related data source.`,
          );
        }
        return { id: pageId };
      });
      return plain({ id, type: "relation", relation });
    }
    default:
      throw validationError(
        `body failed validation: ${path}: the emulator does not support \`${config.type}\` values.`,
      );
  }
}

function limitedArray(raw: unknown, path: string): unknown[] {
  const items = requireArray(raw, path);
  if (items.length > ARRAY_ITEM_LIMIT) throw limitError(`${path}.length`, ARRAY_ITEM_LIMIT, items.length);
  return items;
}

/** The option a select value names; an unknown name is added to the schema, as Notion does. */
function pickOption(config: PropertyConfig, raw: unknown, path: string): { option: SelectOption; added: boolean } {
  const request = requireRecord(raw, path);
  const options = optionsOf(config);
  if (typeof request.id === "string") {
    const byId = options.find((o) => o.id === request.id);
    if (!byId)
      throw validationError(`body failed validation: ${path}.id \`${request.id}\` is not an option of ${config.name}.`);
    return { option: byId, added: false };
  }
  const name = requireString(request.name, `${path}.name`);
  if (name.includes(",")) throw validationError(`body failed validation: ${path}.name cannot contain commas.`);
  const byName = options.find((o) => o.name === name);
  if (byName) return { option: byName, added: false };
  const option = newOption(name, asRecord(request)?.color);
  options.push(option);
  return { option, added: true };
}

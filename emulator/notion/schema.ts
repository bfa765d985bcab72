import type { DataSourceObjectResponse } from "@notionhq/client";
import { asRecord, requireRecord, requireString, validationError } from "./errors";
import { newPropertyId, normalizeId } from "./ids";
import type { EmulatorState } from "./state";

/** One property of a data source's schema, as Notion returns it. */
export type PropertyConfig = DataSourceObjectResponse["properties"][string];

/** One select or multi-select option, as Notion returns it. */
export type SelectOption = Extract<PropertyConfig, { type: "select" }>["select"]["options"][number];

type SelectColor = SelectOption["color"];

const EMPTY_CONFIG_TYPES = [
  "title",
  "rich_text",
  "url",
  "people",
  "email",
  "phone_number",
  "date",
  "checkbox",
  "created_by",
  "created_time",
  "last_edited_by",
  "last_edited_time",
] as const;

const COLORS: readonly SelectColor[] = [
  "default",
  "gray",
  "brown",
  "orange",
  "yellow",
  "green",
  "blue",
  "purple",
  "pink",
  "red",
];

/** Builds a schema from a create request's properties; exactly one must be a title. */
export function buildSchema(raw: unknown, path: string, state: EmulatorState): Record<string, PropertyConfig> {
  const requested = requireRecord(raw ?? {}, path);
  const schema: Record<string, PropertyConfig> = {};
  for (const [name, config] of Object.entries(requested)) {
    schema[name] = buildProperty(name, config, `${path}.${name}`, state, undefined);
  }
  const titles = Object.values(schema).filter((p) => p.type === "title").length;
  if (titles !== 1)
    throw validationError(
      `body failed validation: ${path} should have exactly one title property, instead had ${titles}.`,
    );
  return schema;
}

/** One property's configuration from a request; `existing` keeps the id and known option ids on updates. */
export function buildProperty(
  name: string,
  raw: unknown,
  path: string,
  state: EmulatorState,
  existing: PropertyConfig | undefined,
): PropertyConfig {
  const config = requireRecord(raw, path);
  const type = typeOf(config, path);
  const id = existing?.id ?? (type === "title" ? "title" : newPropertyId());
  const description = typeof config.description === "string" ? config.description : (existing?.description ?? null);
  const common = { id, name, description };
  if ((EMPTY_CONFIG_TYPES as readonly string[]).includes(type)) {
    return { ...common, type, [type]: {} } as PropertyConfig;
  }
  if (type === "number") {
    const format = asRecord(config.number)?.format;
    return { ...common, type, number: { format: typeof format === "string" ? (format as never) : "number" } };
  }
  if (type === "select" || type === "multi_select") {
    const known = existing?.type === type ? optionsOf(existing) : [];
    const options = buildOptions(asRecord(config[type])?.options, `${path}.${type}.options`, known);
    return type === "select"
      ? { ...common, type, select: { options } }
      : { ...common, type, multi_select: { options } };
  }
  if (type === "relation") {
    const relation = requireRecord(config.relation, `${path}.relation`);
    const dataSourceId = normalizeId(requireString(relation.data_source_id, `${path}.relation.data_source_id`));
    const target = state.dataSources[dataSourceId];
    if (!target)
      throw validationError(
        `body failed validation: ${path}.relation.data_source_id ${dataSourceId} is not a data source.`,
      );
    if (relation.dual_property !== undefined || relation.type === "dual_property") {
      throw validationError(
        `body failed validation: ${path}.relation: the emulator supports single_property relations only.`,
      );
    }
    const databaseId = target.parent.type === "database_id" ? target.parent.database_id : target.parent.database_id;
    return {
      ...common,
      type,
      relation: { database_id: databaseId, data_source_id: dataSourceId, type: "single_property", single_property: {} },
    };
  }
  throw validationError(`body failed validation: ${path}: the emulator does not support \`${type}\` properties.`);
}

/** The options of a select or multi-select property (empty for other types). */
export function optionsOf(config: PropertyConfig): SelectOption[] {
  if (config.type === "select") return config.select.options;
  if (config.type === "multi_select") return config.multi_select.options;
  return [];
}

/** A new option as Notion adds it when a page names an option the schema lacks. */
export function newOption(name: string, color: unknown): SelectOption {
  return {
    id: newPropertyId(),
    name,
    color: COLORS.includes(color as SelectColor) ? (color as SelectColor) : "default",
    description: null,
  };
}

function buildOptions(raw: unknown, path: string, known: readonly SelectOption[]): SelectOption[] {
  if (raw === undefined) return [...known];
  if (!Array.isArray(raw)) throw validationError(`body failed validation: ${path} should be an array.`);
  return raw.map((value, i) => {
    const option = requireRecord(value, `${path}[${i}]`);
    const previous = known.find((o) => o.id === option.id || o.name === option.name);
    const name = typeof option.name === "string" ? option.name : previous?.name;
    if (name === undefined) throw validationError(`body failed validation: ${path}[${i}].name should be defined.`);
    if (name.includes(",")) throw validationError(`body failed validation: ${path}[${i}].name cannot contain commas.`);
    const fresh = newOption(name, option.color ?? previous?.color);
    return {
      ...fresh,
      id: previous?.id ?? fresh.id,
      description: typeof option.description === "string" ? option.description : (previous?.description ?? null),
    };
  });
}

function typeOf(config: Record<string, unknown>, path: string): string {
  if (typeof config.type === "string") return config.type;
  const keys = Object.keys(config).filter((k) => k !== "name" && k !== "description");
  const [only] = keys;
  if (keys.length !== 1 || only === undefined)
    throw validationError(`body failed validation: ${path} should name exactly one property type.`);
  return only;
}

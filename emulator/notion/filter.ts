import type { PageObjectResponse, QueryDataSourceParameters } from "@notionhq/client";
import { asRecord, requireRecord, validationError } from "./errors";
import { fullValue } from "./render-page";
import { plainText } from "./rich-text";
import type { PropertyConfig } from "./schema";

/** A query's filter, as @notionhq/client types it. */
export type QueryFilter = NonNullable<QueryDataSourceParameters["filter"]>;

/** Notion allows compound filters nested two levels deep. */
const MAX_NESTING = 2;

/** True when the page satisfies the filter; unsupported conditions are a 400, never silently true. */
export function matchesFilter(
  filter: unknown,
  page: PageObjectResponse,
  schema: Record<string, PropertyConfig>,
  path = "body.filter",
  depth = 0,
): boolean {
  const f = requireRecord(filter, path);
  for (const op of ["and", "or"] as const) {
    if (!(op in f)) continue;
    if (depth >= MAX_NESTING)
      throw validationError(
        `body failed validation: ${path}.${op} nests compound filters deeper than ${MAX_NESTING} levels.`,
      );
    const parts = f[op];
    if (!Array.isArray(parts)) throw validationError(`body failed validation: ${path}.${op} should be an array.`);
    const results = parts.map((part, i) => matchesFilter(part, page, schema, `${path}.${op}[${i}]`, depth + 1));
    return op === "and" ? results.every(Boolean) : results.some(Boolean);
  }
  if (f.timestamp === "created_time" || f.timestamp === "last_edited_time") {
    const condition = requireRecord(f[f.timestamp], `${path}.${f.timestamp}`);
    return matchesDate(page[f.timestamp], condition, `${path}.${f.timestamp}`);
  }
  if (typeof f.property !== "string")
    throw validationError(`body failed validation: ${path} should define property, timestamp, and or or.`);
  const entry = Object.entries(schema).find(([name, c]) => name === f.property || c.id === f.property);
  if (!entry) throw validationError(`Could not find property with name or id: ${f.property}`);
  const [name, config] = entry;
  const kind = Object.keys(f).find((k) => k !== "property" && k !== "type");
  if (kind === undefined) throw validationError(`body failed validation: ${path} should define a condition.`);
  const condition = requireRecord(f[kind], `${path}.${kind}`);
  if (kind !== config.type)
    throw validationError(
      `body failed validation: ${path}: ${kind} filter does not match property type ${config.type}.`,
    );
  return matchesValue(fullValue(page, name, config), condition, `${path}.${kind}`);
}

function matchesValue(value: ReturnType<typeof fullValue>, condition: Record<string, unknown>, path: string): boolean {
  switch (value.type) {
    case "title":
      return matchesText(plainText(value.title), condition, path);
    case "rich_text":
      return matchesText(plainText(value.rich_text), condition, path);
    case "url":
      return matchesText(value.url ?? "", condition, path);
    case "email":
      return matchesText(value.email ?? "", condition, path);
    case "phone_number":
      return matchesText(value.phone_number ?? "", condition, path);
    case "number":
      return matchesNumber(value.number, condition, path);
    case "checkbox":
      if ("equals" in condition) return value.checkbox === condition.equals;
      if ("does_not_equal" in condition) return value.checkbox !== condition.does_not_equal;
      break;
    case "select":
      return matchesNames(value.select ? [value.select.name] : [], condition, path, "equals", "does_not_equal");
    case "multi_select":
      return matchesNames(
        value.multi_select.map((o) => o.name),
        condition,
        path,
        "contains",
        "does_not_contain",
      );
    case "people":
      return matchesNames(
        value.people.map((p) => p.id),
        condition,
        path,
        "contains",
        "does_not_contain",
      );
    case "relation":
      return matchesNames(
        value.relation.map((r) => r.id),
        condition,
        path,
        "contains",
        "does_not_contain",
      );
    case "date":
      return matchesDate(value.date?.start ?? null, condition, path);
    case "created_time":
      return matchesDate(value.created_time, condition, path);
    case "last_edited_time":
      return matchesDate(value.last_edited_time, condition, path);
    case "created_by":
      return matchesNames([value.created_by.id], condition, path, "contains", "does_not_contain");
    case "last_edited_by":
      return matchesNames([value.last_edited_by.id], condition, path, "contains", "does_not_contain");
  }
  throw unsupported(condition, path);
}

function matchesText(text: string, condition: Record<string, unknown>, path: string): boolean {
  const [op, arg] = single(condition, path);
  if (op === "is_empty") return text === "";
  if (op === "is_not_empty") return text !== "";
  if (typeof arg !== "string") throw validationError(`body failed validation: ${path}.${op} should be a string.`);
  const haystack = text.toLowerCase();
  const needle = arg.toLowerCase();
  switch (op) {
    case "equals":
      return text === arg;
    case "does_not_equal":
      return text !== arg;
    case "contains":
      return haystack.includes(needle);
    case "does_not_contain":
      return !haystack.includes(needle);
    case "starts_with":
      return haystack.startsWith(needle);
    case "ends_with":
      return haystack.endsWith(needle);
  }
  throw unsupported(condition, path);
}

function matchesNumber(n: number | null, condition: Record<string, unknown>, path: string): boolean {
  const [op, arg] = single(condition, path);
  if (op === "is_empty") return n === null;
  if (op === "is_not_empty") return n !== null;
  if (typeof arg !== "number") throw validationError(`body failed validation: ${path}.${op} should be a number.`);
  if (n === null) return op === "does_not_equal";
  switch (op) {
    case "equals":
      return n === arg;
    case "does_not_equal":
      return n !== arg;
    case "greater_than":
      return n > arg;
    case "less_than":
      return n < arg;
    case "greater_than_or_equal_to":
      return n >= arg;
    case "less_than_or_equal_to":
      return n <= arg;
  }
  throw unsupported(condition, path);
}

function matchesNames(
  names: string[],
  condition: Record<string, unknown>,
  path: string,
  has: string,
  hasNot: string,
): boolean {
  const [op, arg] = single(condition, path);
  if (op === "is_empty") return names.length === 0;
  if (op === "is_not_empty") return names.length > 0;
  const wanted = (Array.isArray(arg) ? arg : [arg]).map(String);
  if (op === has) return wanted.some((w) => names.includes(w));
  if (op === hasNot) return !wanted.some((w) => names.includes(w));
  throw unsupported(condition, path);
}

const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function matchesDate(value: string | null, condition: Record<string, unknown>, path: string): boolean {
  const [op, arg] = single(condition, path);
  if (op === "is_empty") return value === null;
  if (op === "is_not_empty") return value !== null;
  if (typeof arg !== "string" || Number.isNaN(Date.parse(arg))) {
    throw validationError(
      `body failed validation: ${path}.${op} should be an ISO 8601 date (relative dates are not emulated).`,
    );
  }
  if (value === null) return false;
  const t = Date.parse(value);
  const start = Date.parse(arg);
  const end = DATE_ONLY.test(arg) ? start + DAY_MS : start + 1;
  switch (op) {
    case "equals":
      return t >= start && t < end;
    case "before":
      return t < start;
    case "after":
      return t >= end;
    case "on_or_before":
      return t < end;
    case "on_or_after":
      return t >= start;
  }
  throw unsupported(condition, path);
}

function single(condition: Record<string, unknown>, path: string): [string, unknown] {
  const entries = Object.entries(condition);
  const [first] = entries;
  if (entries.length !== 1 || !first)
    throw validationError(`body failed validation: ${path} should define exactly one condition.`);
  return first;
}

function unsupported(condition: Record<string, unknown>, path: string) {
  return validationError(
    `body failed validation: ${path}: the emulator does not support \`${Object.keys(asRecord(condition) ?? {}).join(",")}\` here.`,
  );
}

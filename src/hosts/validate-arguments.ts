import { Validator, type OutputUnit, type Schema, type SchemaDraft } from "@cfworker/json-schema";
import type { ToolDescriptor } from "./host";

/** One reason arguments do not fit a tool's schema; `path` is a JSON Pointer into the arguments (`""` is the root). */
export interface ArgumentError {
  path: string;
  message: string;
}

/** The result of checking arguments against a tool's input schema. */
export type ArgumentValidation = { ok: true } | { ok: false; errors: ArgumentError[] };

// Keyed by the schema object: catalog entries keep their descriptors for the cache's lifetime, demo ones forever.
const validators = new WeakMap<object, Validator>();

/** Check `args` against the tool's JSON Schema (no eval: safe in Workers). Validators are compiled once per schema. */
export function validateArguments(descriptor: ToolDescriptor, args: unknown): ArgumentValidation {
  let validator = validators.get(descriptor.input_schema);
  if (!validator) {
    validator = new Validator(descriptor.input_schema as Schema, draftOf(descriptor.input_schema.$schema), false);
    validators.set(descriptor.input_schema, validator);
  }
  const result = validator.validate(args);
  if (result.valid) return { ok: true };
  return { ok: false, errors: readableErrors(result.errors) };
}

function draftOf(schemaUri: unknown): SchemaDraft {
  if (typeof schemaUri !== "string") return "2020-12";
  if (schemaUri.includes("2020-12")) return "2020-12";
  if (schemaUri.includes("2019-09")) return "2019-09";
  if (schemaUri.includes("draft-04")) return "4";
  return "7";
}

// Wrapper keywords only repeat what their nested errors say.
const WRAPPERS = new Set(["properties", "items", "prefixItems", "allOf", "$ref", "additionalItems"]);

function readableErrors(units: OutputUnit[]): ArgumentError[] {
  const errors: ArgumentError[] = [];
  const forbidden = new Set<string>();
  for (const unit of units) {
    const at = unit.instanceLocation.replace(/^#/, "");
    if (unit.keyword === "additionalProperties" || unit.keyword === "unevaluatedProperties") {
      const name = /"(.*)"/.exec(unit.error)?.[1];
      const path = name === undefined ? at : `${at}/${escapePointer(name)}`;
      forbidden.add(path);
      errors.push({ path, message: "is not an allowed property" });
    } else if (unit.keyword === "required") {
      const name = /"(.*)"/.exec(unit.error)?.[1];
      errors.push({ path: name === undefined ? at : `${at}/${escapePointer(name)}`, message: "is required" });
    } else if (!WRAPPERS.has(unit.keyword) && !(unit.keyword === "false" && forbidden.has(at))) {
      errors.push({ path: at, message: unit.error });
    }
  }
  return errors;
}

function escapePointer(name: string): string {
  return name.replace(/~/g, "~0").replace(/\//g, "~1");
}

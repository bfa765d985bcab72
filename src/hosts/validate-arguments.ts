import { Validator, type OutputUnit, type Schema, type SchemaDraft } from "@cfworker/json-schema";
import type { ToolDescriptor } from "./host";
import { isPatternFormat } from "./pattern-format";
import { escapePointer, safeSchema, type SchemaProblem, type SchemaProblemCode } from "./safe-schema";

/** One reason arguments do not fit a tool's schema; `path` is a JSON Pointer into the arguments (`""` is the root). */
export interface ArgumentError {
  path: string;
  message: string;
}

/** The result of checking arguments against a tool's input schema; `code` is set when the schema itself is refused. */
export type ArgumentValidation = { ok: true } | { ok: false; errors: ArgumentError[]; code?: SchemaProblemCode };

// Keyed by the schema object: catalog entries keep their descriptors for the cache's lifetime, demo ones forever.
const validators = new WeakMap<object, Validator | SchemaProblem>();

/**
 * Check `args` against the tool's JSON Schema (no eval: safe in Workers). Each schema is made safe once, when
 * first used (safe-schema.ts: its regexes run on RE2, in linear time), then compiled once and reused; a schema that
 * cannot be made safe or compiled, or that loops while checking, ends every call with its problem's code.
 */
export function validateArguments(descriptor: ToolDescriptor, args: unknown): ArgumentValidation {
  let validator = validators.get(descriptor.input_schema);
  if (!validator) {
    validator = compiled(descriptor);
    validators.set(descriptor.input_schema, validator);
  }
  if (!(validator instanceof Validator)) return refused(descriptor, validator);
  let result: ReturnType<Validator["validate"]>;
  try {
    result = validator.validate(args);
  } catch {
    // A `$ref` that does not resolve throws; one that loops without reading deeper recurses until the stack ends.
    return refused(descriptor, {
      code: "unusable_schema",
      message: "cannot be evaluated (a $ref that loops or does not resolve)",
    });
  }
  if (result.valid) return { ok: true };
  return { ok: false, errors: readableErrors(result.errors) };
}

function compiled(descriptor: ToolDescriptor): Validator | SchemaProblem {
  const safe = safeSchema(descriptor.input_schema);
  if (!safe.ok) return safe.problem;
  try {
    return new Validator(safe.schema as Schema, draftOf(safe.schema.$schema), false);
  } catch {
    return { code: "unusable_schema", message: "cannot be compiled (two subschemas with one $id?)" };
  }
}

function refused(descriptor: ToolDescriptor, problem: SchemaProblem): ArgumentValidation {
  const message = `The input schema of ${descriptor.name} ${problem.message}, so no call to it is checked or run.`;
  return { ok: false, code: problem.code, errors: [{ path: "", message }] };
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
    } else if (unit.keyword === "format" && isPatternFormat(/"(.*)"/.exec(unit.error)?.[1])) {
      // A `pattern` rewritten to run on RE2 (safe-schema.ts) reads as the keyword the host wrote.
      errors.push({ path: at, message: "String does not match pattern." });
    } else if (!WRAPPERS.has(unit.keyword) && !(unit.keyword === "false" && forbidden.has(at))) {
      errors.push({ path: at, message: unit.error });
    }
  }
  return errors;
}

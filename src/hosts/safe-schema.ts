/**
 * An upstream tool's input schema made safe to compile, once per schema: every `pattern` becomes an RE2 check (see
 * pattern-format.ts), every `patternProperties` key must bound its backtracking (see property-name-pattern.ts), and
 * nesting is bounded. The walk visits exactly the objects @cfworker/json-schema can treat as schemas: what its
 * `dereference` indexes (so any `$ref` target) plus the values of `dependencies`, which it applies but does not index.
 */
import { ignoredKeyword, schemaArrayKeyword, schemaMapKeyword } from "@cfworker/json-schema";
import { isPatternFormat, patternFormat } from "./pattern-format";
import { propertyNamePatternProblem } from "./property-name-pattern";
import { compileSchemaRegex } from "./schema-regex";

/** How deep a tool's input schema may nest (counting every object and array) before it is refused unread. */
export const MAX_SCHEMA_DEPTH = 64;

/**
 * Why a tool's own schema, not the agent's arguments, stops every call: `unsafe_schema_pattern` when a regex in it
 * cannot run in linear time (or is not a valid regex), `unusable_schema` when it nests too deep, its `$ref`s loop or
 * do not resolve, or it cannot be compiled.
 */
export type SchemaProblemCode = "unsafe_schema_pattern" | "unusable_schema";

/** A schema refused: the code, and a phrase naming where (`has a regex at /properties/slug/pattern that ...`). */
export interface SchemaProblem {
  code: SchemaProblemCode;
  message: string;
}

/** The schema to compile (a rewritten copy; the original is left as the host sent it), or why there is none. */
export type SafeSchema = { ok: true; schema: Record<string, unknown> } | { ok: false; problem: SchemaProblem };

/** Rewrites `schema` so that no regex in it can run for long on an agent's text, or says why it cannot. */
export function safeSchema(schema: Record<string, unknown>): SafeSchema {
  const rewritten = rewrite(schema, "", 0);
  if (rewritten instanceof Refusal) return { ok: false, problem: rewritten.problem };
  return { ok: true, schema: rewritten as Record<string, unknown> };
}

/** A walk's answer when the schema is refused; a class, so no schema value can look like one. */
class Refusal {
  constructor(readonly problem: SchemaProblem) {}
}

const tooDeep = (at: string) =>
  new Refusal({ code: "unusable_schema", message: `nests deeper than ${MAX_SCHEMA_DEPTH} levels at ${at}` });
const unsafe = (at: string, reason: string) =>
  new Refusal({ code: "unsafe_schema_pattern", message: `has a regex at ${at} that ${reason}` });
const unusable = (message: string) => new Refusal({ code: "unusable_schema", message });

/** A copy of one schema node with its patterns rewritten; recursion is bounded by MAX_SCHEMA_DEPTH. */
function rewrite(node: unknown, path: string, depth: number): unknown {
  if (typeof node !== "object" || node === null || Array.isArray(node)) return node;
  if (depth > MAX_SCHEMA_DEPTH) return tooDeep(path);
  const entries: [string, unknown][] = [];
  let checkFormat: string | undefined;
  for (const [key, value] of Object.entries(node)) {
    const at = `${path}/${escapePointer(key)}`;
    if (key === "pattern") {
      const regex = compileSchemaRegex(value);
      if (!regex.ok) return unsafe(at, regex.reason);
      checkFormat = patternFormat(value as string, regex.test);
      continue;
    }
    if (key === "format" && isPatternFormat(value))
      return unusable(`names a format reserved for this gateway at ${at}`);
    if (key === "patternProperties") {
      if (typeof value !== "object" || value === null || Array.isArray(value))
        return unusable(`has patternProperties that is not an object at ${at}`);
      for (const source of Object.keys(value)) {
        const problem = propertyNamePatternProblem(source);
        if (problem) return unsafe(`${at}/${escapePointer(source)}`, problem);
      }
    }
    const child = rewriteChild(key, value, at, depth);
    if (child instanceof Refusal) return child;
    entries.push([key, child]);
  }
  // A new allOf branch keeps any `format` of this node, and runs wherever `pattern` would have (strings only).
  if (checkFormat) {
    const allOf = entries.find(([key]) => key === "allOf");
    const branch = { format: checkFormat };
    if (allOf && Array.isArray(allOf[1])) allOf[1] = [...(allOf[1] as unknown[]), branch];
    else if (allOf) allOf[1] = [branch];
    else entries.push(["allOf", [branch]]);
  }
  // fromEntries defines each key as data: a schema property named `__proto__` stays a property.
  return Object.fromEntries(entries);
}

/** The value of one keyword, walked as @cfworker/json-schema would read it. */
function rewriteChild(key: string, value: unknown, at: string, depth: number): unknown {
  // Data (`enum`, `const`, `default`) and scalars: never read as a schema, and rewriting would change their meaning.
  if (Object.hasOwn(ignoredKeyword, key)) return value;
  if (Array.isArray(value)) return Object.hasOwn(schemaArrayKeyword, key) ? rewriteAll(value, at, depth + 1) : value;
  if (typeof value !== "object" || value === null) return value;
  if (Object.hasOwn(schemaMapKeyword, key)) return rewriteMap(value, at, depth + 1);
  if (key === "dependencies") {
    // Indexed as a schema (a `$ref` may point at it) and applied as a map of schemas: both readings must agree.
    const asSchema = rewrite(value, at, depth + 1);
    if (asSchema instanceof Refusal) return asSchema;
    const asMap = rewriteMap(value, at, depth + 1);
    if (asMap instanceof Refusal) return asMap;
    if (JSON.stringify(asSchema) !== JSON.stringify(asMap))
      return unusable(`has dependencies named like schema keywords at ${at}`);
    return asMap;
  }
  return rewrite(value, at, depth + 1);
}

function rewriteAll(values: unknown[], at: string, depth: number): unknown {
  if (depth > MAX_SCHEMA_DEPTH) return tooDeep(at);
  const copy: unknown[] = [];
  for (const [index, value] of values.entries()) {
    const child = rewrite(value, `${at}/${index}`, depth);
    if (child instanceof Refusal) return child;
    copy.push(child);
  }
  return copy;
}

function rewriteMap(map: object, at: string, depth: number): unknown {
  if (depth > MAX_SCHEMA_DEPTH) return tooDeep(at);
  const entries: [string, unknown][] = [];
  for (const [name, value] of Object.entries(map)) {
    const child = rewrite(value, `${at}/${escapePointer(name)}`, depth);
    if (child instanceof Refusal) return child;
    entries.push([name, child]);
  }
  return Object.fromEntries(entries);
}

/** A name as a JSON Pointer segment. */
export function escapePointer(name: string): string {
  return name.replace(/~/g, "~0").replace(/\//g, "~1");
}

/**
 * A schema `pattern` as a named format of @cfworker/json-schema, checked by RE2. The validator cannot take another
 * regex engine, but its `format` table maps names to functions and, like `pattern`, applies them to strings only.
 */
import { format } from "@cfworker/json-schema";
import { compileSchemaRegex } from "./schema-regex";

const PREFIX = "policy-os/pattern:";

/** Compiled regexes kept at once; a format whose regex was dropped compiles it again when next used. */
const MAX_COMPILED = 256;

// Least recently used first. Format entries themselves are never removed: the validator skips an unknown format,
// so removing one would let every string through. They hold only a closure and the source.
const compiled = new Map<string, (text: string) => boolean>();

/**
 * The format name that checks `source` on RE2, registered in the validator's format table the first time;
 * `test` is compileSchemaRegex's tester for `source`, kept while it is among the most recently used.
 */
export function patternFormat(source: string, test: (text: string) => boolean): string {
  const name = PREFIX + source;
  remember(source, test);
  if (!Object.hasOwn(format, name)) format[name] = (text) => testerFor(source)(text);
  return name;
}

/** Whether a format name is one patternFormat made (a schema naming one itself is refused). */
export function isPatternFormat(name: unknown): boolean {
  return typeof name === "string" && name.startsWith(PREFIX);
}

function testerFor(source: string): (text: string) => boolean {
  let test = compiled.get(source);
  if (!test) {
    const regex = compileSchemaRegex(source);
    // Only accepted sources are registered, so this always compiles; were it not to, no string would match.
    test = regex.ok ? regex.test : () => false;
  }
  remember(source, test);
  return test;
}

function remember(source: string, test: (text: string) => boolean): void {
  compiled.delete(source);
  if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
  compiled.set(source, test);
}

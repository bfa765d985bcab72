import { createHash } from "node:crypto";

/** A JSON value as it appears in ledger entries, hashes and outcomes. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * How deep a value canonicalJson accepts may nest. Far above anything hashed (arguments stop at 32 levels, results
 * at 64): it turns a value no check bounded into a TypeError instead of a stack overflow.
 */
export const MAX_CANONICAL_DEPTH = 256;

/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, `undefined` members dropped.
 * The same value always yields the same string, so hashes of it are stable. Throws a TypeError for a value with no
 * JSON form (a non-finite number, a bigint) or nested deeper than {@link MAX_CANONICAL_DEPTH}.
 *
 * @example canonicalJson({ b: 1, a: [true, null] }) // '{"a":[true,null],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return canonical(value, 0);
}

function canonical(value: unknown, depth: number): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new TypeError("non-finite number has no JSON form");
    if (typeof value === "bigint" || typeof value === "function" || typeof value === "symbol")
      throw new TypeError(`${typeof value} has no JSON form`);
    return JSON.stringify(value ?? null);
  }
  if (depth >= MAX_CANONICAL_DEPTH) throw new TypeError(`value nests deeper than ${MAX_CANONICAL_DEPTH} levels`);
  if (Array.isArray(value)) return `[${value.map((item) => canonical(item ?? null, depth + 1)).join(",")}]`;
  const keys = Object.keys(value).sort();
  const members: string[] = [];
  for (const key of keys) {
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined) continue;
    members.push(`${JSON.stringify(key)}:${canonical(member, depth + 1)}`);
  }
  return `{${members.join(",")}}`;
}

/** Lower-case hex SHA-256 of a UTF-8 string (WebCrypto, works in Workers and Node). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  let hex = "";
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/** Lower-case hex SHA-256 of a UTF-8 string, synchronously (`node:crypto`: Node, and Workers with `nodejs_compat`). */
export function sha256HexSync(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** `sha256:<hex>` of a value's canonical JSON: the form used for argument and snapshot hashes. */
export async function hashOf(value: unknown): Promise<string> {
  return `sha256:${await sha256Hex(canonicalJson(value))}`;
}

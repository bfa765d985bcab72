import { hash } from "node:crypto";
import { hexOf, sha256Utf8 } from "./sha256";

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
  if (value === null || typeof value !== "object") return scalar(value);
  const form = canonicalForm(value, 0);
  return form === NO_FORM ? canonical(value, 0) : JSON.stringify(form);
}

/** {@link canonicalForm}'s answer for a value that JSON.stringify cannot be given in any form. */
const NO_FORM = Symbol("no form JSON.stringify writes canonically");

/**
 * A value that `JSON.stringify` writes as exactly canonicalJson's string, or NO_FORM. The value itself when it
 * already is one: every object plain (no toJSON, no boxed primitive, no raw JSON) with its keys in ascending code-unit
 * order, every number finite, no function, symbol or bigint anywhere, nothing nested {@link MAX_CANONICAL_DEPTH}
 * deep. Otherwise, if only key order differs, a copy whose objects were given their keys in sorted order. Bodies
 * parsed back from stored canonical JSON (what a verifier reads by the hundred thousand) come back as themselves,
 * bodies a writer built (what an append hashes) as copies; either way the engine's serialiser then writes the string
 * in a fraction of the time writing it here took. For NO_FORM, canonical() writes the string or throws its TypeError.
 */
function canonicalForm(value: unknown, depth: number): unknown {
  // An undefined member is fine: both leave it out of an object and write null for it in an array.
  switch (typeof value) {
    case "string":
    case "boolean":
    case "undefined":
      return value;
    case "number":
      return Number.isFinite(value) ? value : NO_FORM;
    case "object":
      if (value === null) return value;
      break;
    default:
      return NO_FORM;
  }
  if (depth >= MAX_CANONICAL_DEPTH || (value as { toJSON?: unknown }).toJSON !== undefined) return NO_FORM;
  return Array.isArray(value) ? arrayForm(value, depth) : objectForm(value, depth);
}

function arrayForm(items: unknown[], depth: number): unknown {
  let copy: unknown[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const form = canonicalForm(item, depth + 1);
    if (form === NO_FORM) return NO_FORM;
    if (copy === undefined && form !== item) copy = items.slice(0, i);
    copy?.push(form);
  }
  return copy ?? items;
}

function objectForm(value: object, depth: number): unknown {
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && (prototype !== null || isRawJson(value))) return NO_FORM;
  const members = value as Record<string, unknown>;
  const keys = Object.keys(value);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = keys[i - 1]! < keys[i]!;
  if (!sorted) keys.sort();
  let copy: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const member = members[keys[i]!];
    const form = canonicalForm(member, depth + 1);
    if (form === NO_FORM) return NO_FORM;
    if (copy === undefined && (!sorted || form !== member)) {
      if (!keepsInsertionOrder(keys)) return NO_FORM;
      copy = {};
      for (let j = 0; j < i; j++) copy[keys[j]!] = members[keys[j]!];
    }
    if (copy !== undefined) copy[keys[i]!] = form;
  }
  return copy ?? value;
}

/**
 * Whether a fresh object given these keys in this order lists them in it: an array index would be listed first, in
 * numeric order, and `__proto__` would set the prototype instead. Keys starting with a digit are left to canonical().
 */
function keepsInsertionOrder(keys: readonly string[]): boolean {
  for (const key of keys) {
    const first = key.charCodeAt(0);
    if ((first >= 0x30 && first <= 0x39) || key === "__proto__") return false;
  }
  return true;
}

/** JSON.rawJSON's objects (null prototype) are written by JSON.stringify as their raw text, by canonical() as objects. */
const isRawJson: (value: object) => boolean =
  (JSON as { isRawJSON?: (value: unknown) => boolean }).isRawJSON ?? (() => false);

// Writes what canonicalForm leaves (objects that are not plain, keys JSON.stringify would reorder) and throws for
// values with no JSON form: the definition, written directly.
function canonical(value: unknown, depth: number): string {
  if (value === null || typeof value !== "object") return scalar(value);
  if (depth >= MAX_CANONICAL_DEPTH) throw new TypeError(`value nests deeper than ${MAX_CANONICAL_DEPTH} levels`);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + canonical(value[i] ?? null, depth + 1);
    return out + "]";
  }
  const keys = Object.keys(value);
  for (let i = 1; i < keys.length; i++)
    if (keys[i - 1]! > keys[i]!) {
      keys.sort();
      break;
    }
  let out = "{";
  for (const key of keys) {
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined) continue;
    out += (out.length === 1 ? "" : ",") + JSON.stringify(key) + ":" + canonical(member, depth + 1);
  }
  return out + "}";
}

function scalar(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("non-finite number has no JSON form");
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
    case "function":
    case "symbol":
      throw new TypeError(`${typeof value} has no JSON form`);
    default:
      return "null";
  }
}

/** Lower-case hex SHA-256 of a UTF-8 string (WebCrypto, works in Workers and Node). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  let hex = "";
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/**
 * Lower-case hex SHA-256 of a UTF-8 string, synchronously, as {@link sha256Digest} computes it; in Node written as hex
 * by the native hash itself (a verifier takes one per entry; a Buffer and its hex cost as much as the hash).
 */
export function sha256HexSync(text: string): string {
  return IN_WORKERD ? hexOf(sha256Utf8(text)) : hash("sha256", text, "hex");
}

/**
 * The 32 bytes of SHA-256 of a UTF-8 string, synchronously, by the fastest way where this runs: in workerd,
 * `node:crypto` builds a stream object per hash that costs more than hashing an entry in JavaScript (./sha256.ts); in
 * Node (an auditor's verifier), the native one-shot `hash`, which skips `createHash`'s object. Both give the same
 * bytes (test/ledger/sha256.test.ts).
 */
export function sha256Digest(text: string): Uint8Array {
  return IN_WORKERD ? sha256Utf8(text) : hash("sha256", text, "buffer");
}

const IN_WORKERD = globalThis.navigator?.userAgent === "Cloudflare-Workers";

/** `sha256:<hex>` of a value's canonical JSON: the form used for argument and snapshot hashes. */
export async function hashOf(value: unknown): Promise<string> {
  return `sha256:${await sha256Hex(canonicalJson(value))}`;
}

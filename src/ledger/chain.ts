import { canonicalJson, sha256Digest, sha256HexSync, type JsonValue } from "./canonical";
import { hexOf } from "./sha256";
import type { LedgerEntry, LooseLedgerEntryInput, LedgerVerification } from "./types";

/** `prev_hash` of the first entry: 64 zeros. */
export const GENESIS_HASH = "0".repeat(64);

/** A place in a chain: the last entry's seq and hash. */
export interface ChainPosition {
  seq: number;
  hash: string;
}

/** The position before the first entry (seq 0, {@link GENESIS_HASH}). */
export const GENESIS: ChainPosition = Object.freeze({ seq: 0, hash: GENESIS_HASH });

/** An entry as it is hashed: every field but `hash`. */
export type UnsealedEntry = Omit<LedgerEntry, "hash">;

/** The id an entry at `seq` carries: `led_<seq>`. */
export function entryId(seq: number): string {
  return `led_${seq}`;
}

/** An entry of any kind and body, as hashing reads it. */
type HashableEntry = Omit<UnsealedEntry, "kind" | "body"> & { kind: string; body: unknown };

/**
 * The bytes an entry's hash is taken over (as a string; hashed as UTF-8): the canonical JSON of exactly its fields
 * `at`, `body`, `id`, `invocation_id`, `kind`, `prev_hash`, `seq`, `tenant_id` (docs/ledger.md#the-hash-chain).
 * Only these count, so an exported entry with extra members still verifies; any kind and body hash the same way, so
 * an entry an auditor cannot read yet still verifies.
 *
 * @example entryPreimage(entry) // '{"at":"…","body":{…},"id":"led_1","invocation_id":null,"kind":"…","prev_hash":"…","seq":1,"tenant_id":"…"}'
 */
export function entryPreimage(entry: HashableEntry): string {
  // The hashed fields, written in code-unit order of their names: canonicalJson of this object is one walk and, for
  // an entry parsed from JSON, one JSON.stringify (./canonical.ts).
  const { at, body, id, invocation_id, kind, prev_hash, seq, tenant_id } = entry;
  return canonicalJson({ at, body, id, invocation_id, kind, prev_hash, seq, tenant_id });
}

/**
 * {@link entryPreimage} given the body's canonical JSON: the entry's members in code-unit order of their names, each
 * written as canonicalJson writes it (undefined ones dropped), so the string is exactly canonicalJson of the entry
 * without canonicalising its body a second time.
 */
function preimageWithBody(entry: HashableEntry, bodyJson: string): string {
  let out = "{";
  for (const name of HASHED_FIELDS) {
    const value = entry[name];
    if (value === undefined) continue;
    out += `${out.length === 1 ? "" : ","}"${name}":${name === "body" ? bodyJson : canonicalJson(value)}`;
  }
  return out + "}";
}

/** The fields an entry's hash covers, in code-unit order (none needs escaping in JSON). */
const HASHED_FIELDS = ["at", "body", "id", "invocation_id", "kind", "prev_hash", "seq", "tenant_id"] as const;

/** Lower-case sha256 hex of {@link entryPreimage}: the entry's `hash`. */
export function entryHash(entry: HashableEntry): string {
  return sha256HexSync(entryPreimage(entry));
}

/**
 * A chained entry with its body's canonical JSON (what the ledger stores and hashed) and the 32 bytes of its hash.
 * The entry's body is the input's own object: the same JSON value, its keys perhaps in another order.
 */
export interface SealedEntry {
  entry: LedgerEntry;
  body_json: string;
  digest: Uint8Array;
}

/**
 * The entries that follow `after`, in input order: consecutive seq, ids, links and hashes.
 * Each body becomes its canonical JSON form parsed back, so it is exactly the object that was hashed.
 */
export function chainEntries(
  after: ChainPosition,
  tenant_id: string,
  at: string,
  inputs: readonly LooseLedgerEntryInput[],
): LedgerEntry[] {
  return sealEntries(after, tenant_id, at, inputs).map(({ entry, body_json }) => ({
    ...entry,
    body: JSON.parse(body_json) as { [key: string]: JsonValue },
  }));
}

/** {@link chainEntries}, keeping what the ledger stores and its tree hashes: each body's JSON and hash's bytes. */
export function sealEntries(
  after: ChainPosition,
  tenant_id: string,
  at: string,
  inputs: readonly LooseLedgerEntryInput[],
): SealedEntry[] {
  let position = after;
  return inputs.map((input) => {
    const seq = position.seq + 1;
    // One canonical form of the body serves the hash and the stored row. It is not parsed back into the entry: the
    // ledger returns only ids, so nothing reads this entry's body but the outcome-once check, which compares
    // canonical forms.
    const body_json = canonicalJson(input.body);
    const unsealed: UnsealedEntry = {
      id: entryId(seq),
      seq,
      tenant_id,
      at,
      kind: input.kind,
      invocation_id: input.invocation_id,
      body: input.body,
      prev_hash: position.hash,
    };
    const digest = sha256Digest(preimageWithBody(unsealed, body_json));
    const entry: LedgerEntry = { ...unsealed, hash: hexOf(digest) };
    position = { seq, hash: entry.hash };
    return { entry, body_json, digest };
  });
}

/** {@link verifyChain}'s result: the verification and the last good position, to continue from on the next page. */
export interface ChainVerification extends LedgerVerification {
  end: ChainPosition;
}

/**
 * Recomputes every hash and link of `entries`, which must directly follow `start` in ascending seq.
 * `first_bad_seq` is the first entry whose seq, id, prev_hash or hash is wrong (for a gap: the entry after it);
 * `entries` counts every entry given. Pure: an auditor can run it on an exported ledger.
 */
export function verifyChain(entries: Iterable<LedgerEntry>, start: ChainPosition = GENESIS): ChainVerification {
  let end = start;
  let count = 0;
  let first_bad_seq: number | null = null;
  for (const entry of entries) {
    count++;
    if (first_bad_seq !== null) continue;
    const expectedSeq = end.seq + 1;
    const intact =
      entry.seq === expectedSeq &&
      entry.id === entryId(expectedSeq) &&
      entry.prev_hash === end.hash &&
      entry.hash === entryHash(entry);
    if (intact) end = { seq: entry.seq, hash: entry.hash };
    else first_bad_seq = Number.isSafeInteger(entry.seq) ? entry.seq : expectedSeq;
  }
  return { ok: first_bad_seq === null, entries: count, first_bad_seq, end };
}

/**
 * Checks the ledger's Merkle tree proofs offline (RFC 9162 §2.1, the tree shape of RFC 6962): leaf `i` is the entry
 * with seq `i + 1`, its leaf hash SHA-256(0x00 ‖ the 32 raw bytes of the entry's `hash`), an interior node
 * SHA-256(0x01 ‖ left ‖ right). Pure and WebCrypto only, so it runs in Node, the browser and workerd alike; a bad
 * proof or bad input is a {@link ProofCheck} saying why, never an exception.
 */
import { z } from "zod";

/** Bytes in a SHA-256 hash: every leaf, node and root. */
export const HASH_SIZE = 32;

/** Why a proof did not verify. */
export type ProofFailure =
  /** A hash that is not 32 bytes, a size or index that is not a non-negative safe integer. */
  | "malformed"
  /** The leaf index is not inside the tree. */
  | "index_out_of_range"
  /** The sizes cannot be proven consistent: the new tree is smaller, or the old one is empty. */
  | "bad_sizes"
  /** The proof has too few or too many hashes for the sizes it claims. */
  | "wrong_proof_size"
  /** The proof recomputes, but not to the root(s) given: the tree is not the one claimed. */
  | "root_mismatch";

/** A proof's verdict: `ok`, or which {@link ProofFailure} and a sentence for a person. */
export type ProofCheck = { ok: true } | { ok: false; reason: ProofFailure; detail: string };

const OK: ProofCheck = Object.freeze({ ok: true });
const failure = (reason: ProofFailure, detail: string): ProofCheck => ({ ok: false, reason, detail });

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const input = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    input.set(part, at);
    at += part.length;
  }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", input));
}

/** RFC 6962 leaf hash of any leaf input: SHA-256(0x00 ‖ data). */
export function leafHash(data: Uint8Array): Promise<Uint8Array> {
  return sha256(Uint8Array.of(0), data);
}

/** RFC 6962 interior node: SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return sha256(Uint8Array.of(1), left, right);
}

/**
 * The 32 bytes of an entry's `hash` (64 lower-case hex digits, as the ledger writes it), or null for anything else.
 *
 * @example hexToBytes("00".repeat(32)) // Uint8Array(32) [0, 0, …]
 */
export function hexToBytes(hex: string): Uint8Array | null {
  if (!/^[0-9a-f]{64}$/.test(hex)) return null;
  const bytes = new Uint8Array(HASH_SIZE);
  for (let i = 0; i < HASH_SIZE; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** The leaf hash of a ledger entry from its hex `hash`, or null when that is not 64 lower-case hex digits. */
export async function entryLeafHash(entryHashHex: string): Promise<Uint8Array | null> {
  const bytes = hexToBytes(entryHashHex);
  return bytes === null ? null : leafHash(bytes);
}

/**
 * The Merkle tree hash (RFC 6962 §2.1 MTH) of leaves given by their leaf hashes, in order; SHA-256 of nothing for
 * none. Pairs each level left to right and carries an odd last node up, which builds exactly the tree that splits at
 * the largest power of two below n. For checking a whole export against a checkpoint's root.
 */
export async function merkleRoot(leafHashes: readonly Uint8Array[]): Promise<Uint8Array> {
  if (leafHashes.length === 0) return sha256();
  let level = [...leafHashes];
  while (level.length > 1) {
    const pairs: Promise<Uint8Array>[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) pairs.push(nodeHash(level[i]!, level[i + 1]!));
    // A level's hashes at once: WebCrypto digests are asynchronous, and awaiting each in turn idles between them.
    const next = await Promise.all(pairs);
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return level[0]!;
}

/** Two byte strings are equal (not secret-dependent: every value compared here is public). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

const isSize = (n: number) => Number.isSafeInteger(n) && n >= 0;
const isHash = (h: Uint8Array) => h.length === HASH_SIZE;

/** What {@link verifyInclusion} checks: the leaf at `index` of the tree of `size` leaves whose root is `root`. */
export interface InclusionClaim {
  index: number;
  size: number;
  leaf: Uint8Array;
  proof: readonly Uint8Array[];
  root: Uint8Array;
}

/**
 * Verifies an inclusion proof by the algorithm of RFC 9162 §2.1.3.2: the leaf hash `leaf` is leaf `index` of the
 * tree of `size` leaves with root `root`.
 *
 * @example await verifyInclusion({ index: 0, size: 1, leaf: h, proof: [], root: h }) // { ok: true }
 */
export async function verifyInclusion(claim: InclusionClaim): Promise<ProofCheck> {
  const { index, size, leaf, proof, root } = claim;
  if (!isSize(index) || !isSize(size)) return failure("malformed", "the index and size must be whole numbers ≥ 0");
  if (index >= size) return failure("index_out_of_range", `leaf ${index} is not in a tree of ${size} leaves`);
  if (!isHash(leaf) || !isHash(root) || !proof.every(isHash))
    return failure("malformed", `every hash must be ${HASH_SIZE} bytes`);
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return failure("wrong_proof_size", `the proof has more than the hashes a tree of ${size} needs`);
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else r = await nodeHash(r, p);
    [fn, sn] = [half(fn), half(sn)];
  }
  if (sn !== 0) return failure("wrong_proof_size", `the proof has fewer hashes than a tree of ${size} needs`);
  return sameBytes(r, root) ? OK : failure("root_mismatch", `leaf ${index} does not lead to the tree's root`);
}

/** What {@link verifyConsistency} checks: the tree of `size1` leaves with `root1` is a prefix of the one of `size2`. */
export interface ConsistencyClaim {
  size1: number;
  size2: number;
  root1: Uint8Array;
  root2: Uint8Array;
  proof: readonly Uint8Array[];
}

/**
 * Verifies a consistency proof by the algorithm of RFC 9162 §2.1.4.2: the tree of `size2` leaves with root `root2`
 * holds, as its first `size1` leaves, exactly the tree with root `root1`, so nothing in it was removed or rewritten.
 * Equal sizes need an empty proof and equal roots; an empty first tree proves nothing and is refused (`bad_sizes`),
 * as transparency-dev/merkle does.
 */
export async function verifyConsistency(claim: ConsistencyClaim): Promise<ProofCheck> {
  const { size1, size2, root1, root2, proof } = claim;
  if (!isSize(size1) || !isSize(size2)) return failure("malformed", "the sizes must be whole numbers ≥ 0");
  if (size2 < size1) return failure("bad_sizes", `the tree shrank from ${size1} to ${size2} leaves`);
  if (size1 === 0) return failure("bad_sizes", "a consistency proof from an empty tree proves nothing");
  if (!isHash(root1) || !isHash(root2) || !proof.every(isHash))
    return failure("malformed", `every hash must be ${HASH_SIZE} bytes`);
  if (size1 === size2) {
    if (proof.length > 0) return failure("wrong_proof_size", "trees of one size need an empty proof");
    return sameBytes(root1, root2) ? OK : failure("root_mismatch", `two different trees of ${size1} leaves`);
  }
  if (proof.length === 0) return failure("wrong_proof_size", "the proof is empty");
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) [fn, sn] = [half(fn), half(sn)];
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return failure("wrong_proof_size", `the proof has more hashes than ${size1} → ${size2} needs`);
    if (fn % 2 === 1 || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else sr = await nodeHash(sr, c);
    [fn, sn] = [half(fn), half(sn)];
  }
  if (sn !== 0) return failure("wrong_proof_size", `the proof has fewer hashes than ${size1} → ${size2} needs`);
  if (!sameBytes(fr, root1))
    return failure("root_mismatch", `the proof does not lead to the old root: the first ${size1} leaves changed`);
  if (!sameBytes(sr, root2)) return failure("root_mismatch", "the proof does not lead to the new root");
  return OK;
}

// Sizes reach 2^53, past the 32 bits the shift operators keep.
const half = (n: number) => Math.floor(n / 2);
const isPowerOfTwo = (n: number) => n > 0 && 2 ** Math.round(Math.log2(n)) === n;

const base64Hash = z.string().max(64);

/** An inclusion proof as `GET /admin/ledger/proof/inclusion` returns it. */
export const inclusionProofSchema = z.object({
  leaf_index: z.number().int().nonnegative(),
  tree_size: z.number().int().positive(),
  hashes: z.array(base64Hash).max(64),
});

/** A consistency proof as `GET /admin/ledger/proof/consistency` returns it. */
export const consistencyProofSchema = z.object({ hashes: z.array(base64Hash).max(128) });

/** {@link inclusionProofSchema}'s shape. */
export type InclusionProofJson = z.infer<typeof inclusionProofSchema>;
/** {@link consistencyProofSchema}'s shape. */
export type ConsistencyProofJson = z.infer<typeof consistencyProofSchema>;

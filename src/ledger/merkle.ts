import { Buffer } from "node:buffer";
import { sha256 } from "./sha256";

/**
 * The ledger's Merkle tree, RFC 6962 §2.1 (RFC 9162 §2.1): leaf hash = SHA-256(0x00 ‖ data), interior node =
 * SHA-256(0x01 ‖ left ‖ right), and the tree of n leaves splits at the largest power of two below n. Pure: proofs
 * are built from a {@link NodeSource} that answers the hash of any complete perfect subtree, so a store that keeps
 * those (src/ledger/tree-store.ts) serves any tree size from O(log n) reads.
 */

/** A 32-byte SHA-256 hash. */
export type Hash = Uint8Array;

/**
 * The hash of the complete perfect subtree at `level` (0: a leaf) and `index`, covering leaves
 * [index·2^level, (index+1)·2^level). Called only for subtrees that lie wholly inside the tree asked about.
 */
export type NodeSource = (level: number, index: number) => Hash;

/** SHA-256 of the empty string: the root of the empty tree (RFC 6962 §2.1). */
export const EMPTY_ROOT: Hash = sha256(new Uint8Array(0));

// Inputs of the usual sizes (a 32-byte leaf, two 32-byte children) are written into one reused buffer each, saving an
// allocation per hash; hashing is synchronous, so no two calls share one at once.
const LEAF_INPUT = new Uint8Array(33);
const NODE_INPUT = new Uint8Array(65);

/** RFC 6962 leaf hash: SHA-256(0x00 ‖ data). */
export function leafHash(data: Uint8Array): Hash {
  const input = data.length === 32 ? LEAF_INPUT : new Uint8Array(1 + data.length);
  input[0] = 0x00;
  input.set(data, 1);
  return sha256(input);
}

/** RFC 6962 interior node hash: SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Hash, right: Hash): Hash {
  const input = left.length === 32 && right.length === 32 ? NODE_INPUT : new Uint8Array(1 + left.length + right.length);
  input[0] = 0x01;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return sha256(input);
}

/** The leaf hash of a ledger entry: SHA-256(0x00 ‖ the 32 raw bytes of its hex `hash`). */
export function entryLeafHash(entryHashHex: string): Hash {
  // A full verification takes one per entry: 64 hex digits are decoded straight into the leaf's input, skipping a
  // Buffer each; anything else is decoded as Buffer.from always did it (up to the first character that is no digit).
  if (!decodeHash(entryHashHex, LEAF_INPUT)) return leafHash(Buffer.from(entryHashHex, "hex"));
  LEAF_INPUT[0] = 0x00;
  return sha256(LEAF_INPUT);
}

/** Writes the 32 bytes of 64 hex digits (either case) into `input` from index 1; false for any other string. */
function decodeHash(hex: string, input: Uint8Array): boolean {
  if (hex.length !== 64) return false;
  for (let i = 0; i < 32; i++) {
    const high = hexDigit(hex.charCodeAt(2 * i));
    const low = hexDigit(hex.charCodeAt(2 * i + 1));
    if (high < 0 || low < 0) return false;
    input[1 + i] = (high << 4) | low;
  }
  return true;
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * MTH of leaves [start, end): the perfect subtrees the range splits into, largest first, folded from the right.
 * `start` must be a multiple of a power of two at least `end - start` (true of every subtree RFC 6962's recursion
 * visits), so each of those subtrees is aligned and complete.
 */
export function rangeRoot(node: NodeSource, start: number, end: number): Hash {
  if (end <= start) return EMPTY_ROOT;
  const parts: Hash[] = [];
  let at = start;
  while (at < end) {
    const level = floorLog2(end - at);
    parts.push(node(level, at / 2 ** level));
    at += 2 ** level;
  }
  let root = parts.pop()!;
  while (parts.length > 0) root = nodeHash(parts.pop()!, root);
  return root;
}

/** MTH of the first `size` leaves (RFC 6962 §2.1): the tree head a checkpoint signs. */
export function treeRoot(node: NodeSource, size: number): Hash {
  return rangeRoot(node, 0, size);
}

/**
 * PATH(index, D[0:size]) (RFC 6962 §2.1.1): the audit path of leaf `index` in the tree of `size` leaves, nearest
 * sibling first. Throws a RangeError unless 0 ≤ index < size.
 */
export function inclusionProof(node: NodeSource, index: number, size: number): Hash[] {
  if (!isCount(size) || !isCount(index) || index >= size) throw new RangeError(`no leaf ${index} in a tree of ${size}`);
  const path: Hash[] = [];
  let start = 0;
  let end = size;
  // Walks down from the root; each step's sibling subtree joins the path, which is read leaf-first, so it is
  // reversed at the end.
  while (end - start > 1) {
    const split = start + largestPowerOfTwoBelow(end - start);
    if (index < split) {
      path.push(rangeRoot(node, split, end));
      end = split;
    } else {
      path.push(rangeRoot(node, start, split));
      start = split;
    }
  }
  return path.reverse();
}

/**
 * PROOF(from, D[0:to]) (RFC 6962 §2.1.2): the nodes that show the tree of `from` leaves is a prefix of the tree of
 * `to`. Empty when from is 0 or equals to. Throws a RangeError unless 0 ≤ from ≤ to.
 */
export function consistencyProof(node: NodeSource, from: number, to: number): Hash[] {
  if (!isCount(from) || !isCount(to) || from > to) throw new RangeError(`no consistency proof from ${from} to ${to}`);
  if (from === 0 || from === to) return [];
  const proof: Hash[] = [];
  let start = 0;
  let end = to;
  let m = from;
  let whole = true;
  // SUBPROOF(m, D[start:end], whole), iteratively; nodes are gathered root-first and reversed at the end.
  while (m !== end - start) {
    const k = largestPowerOfTwoBelow(end - start);
    if (m <= k) {
      proof.push(rangeRoot(node, start + k, end));
      end = start + k;
    } else {
      proof.push(rangeRoot(node, start, start + k));
      start += k;
      m -= k;
      whole = false;
    }
  }
  if (!whole) proof.push(rangeRoot(node, start, end));
  return proof.reverse();
}

/** The largest power of two strictly below `n` (n ≥ 2): where RFC 6962 splits a tree of n leaves. */
export function largestPowerOfTwoBelow(n: number): number {
  return 2 ** floorLog2(n - 1);
}

/** Lower-case hex of a hash. */
export function toHex(hash: Hash): string {
  return Buffer.from(hash).toString("hex");
}

/** Standard base64 (RFC 4648 §4) of a hash: how proofs and checkpoints carry hashes. */
export function toBase64(hash: Hash): string {
  return Buffer.from(hash).toString("base64");
}

/** ⌊log2 n⌋ for 1 ≤ n ≤ 2^53, exactly (Math.log2 rounds up just below a large power of two). */
function floorLog2(n: number): number {
  if (n < 2 ** 32) return 31 - Math.clz32(n);
  let level = 32;
  while (2 ** (level + 1) <= n) level++;
  return level;
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

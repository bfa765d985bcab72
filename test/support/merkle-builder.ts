import { leafHash, nodeHash } from "../../src/ledger/proof-verify";

/**
 * A tiny RFC 6962 tree for tests, written straight from the recursive definitions of RFC 9162 §2.1 (MTH, PATH,
 * PROOF/SUBPROOF), independent of the verifier's iterative algorithms: a proof it builds is a second opinion.
 */
export interface TestTree {
  leaves: Uint8Array[];
  root(size?: number): Promise<Uint8Array>;
  inclusion(index: number, size?: number): Promise<Uint8Array[]>;
  consistency(size1: number, size2?: number): Promise<Uint8Array[]>;
}

/** A tree over leaf hashes (use {@link leafHashesOf} for raw leaf inputs). */
export function testTree(leaves: Uint8Array[]): TestTree {
  const mth = async (from: number, to: number): Promise<Uint8Array> => {
    const n = to - from;
    if (n === 0) return new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array()));
    if (n === 1) return leaves[from]!;
    const k = split(n);
    return nodeHash(await mth(from, from + k), await mth(from + k, to));
  };
  const path = async (m: number, from: number, to: number): Promise<Uint8Array[]> => {
    const n = to - from;
    if (n <= 1) return [];
    const k = split(n);
    return m < k
      ? [...(await path(m, from, from + k)), await mth(from + k, to)]
      : [...(await path(m - k, from + k, to)), await mth(from, from + k)];
  };
  const subproof = async (m: number, from: number, to: number, whole: boolean): Promise<Uint8Array[]> => {
    const n = to - from;
    if (m === n) return whole ? [] : [await mth(from, to)];
    const k = split(n);
    return m <= k
      ? [...(await subproof(m, from, from + k, whole)), await mth(from + k, to)]
      : [...(await subproof(m - k, from + k, to, false)), await mth(from, from + k)];
  };
  return {
    leaves,
    root: (size = leaves.length) => mth(0, size),
    inclusion: (index, size = leaves.length) => path(index, 0, size),
    consistency: (size1, size2 = leaves.length) => subproof(size1, 0, size2, true),
  };
}

/** Leaf hashes of raw leaf inputs. */
export function leafHashesOf(inputs: Uint8Array[]): Promise<Uint8Array[]> {
  return Promise.all(inputs.map((input) => leafHash(input)));
}

/** The largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The bytes of a hex string. */
export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Every copy of `bytes` with one byte changed (each position XOR 0x01, and XOR 0x80). */
export function* oneByteChanges(bytes: Uint8Array): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i++)
    for (const mask of [0x01, 0x80]) {
      const changed = bytes.slice();
      changed[i]! ^= mask;
      yield changed;
    }
}

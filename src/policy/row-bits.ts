/**
 * Sets of rows as bitsets over positions in a plan (position = deciding order), and the reads decide() makes of
 * them: counts, the first row, and the first ids in deciding order.
 */

/** Words of a bitset over `count` rows. */
export const wordsFor = (count: number) => (count + 31) >>> 5;
/** Sets one position. */
export const setBit = (bits: Uint32Array, position: number) => {
  bits[position >>> 5]! |= 1 << (position & 31);
};
/** Whether one position is set. */
export const hasBit = (bits: Uint32Array, position: number) => (bits[position >>> 5]! & (1 << (position & 31))) !== 0;

/** How many bits are set in both `a` and `mask`, from the word of position `from` on (none set before it). */
export function countBoth(a: Uint32Array, mask: Uint32Array, from = 0): number {
  let count = 0;
  for (let w = from >>> 5; w < a.length; w++) {
    let x = a[w]! & mask[w]!;
    x -= (x >>> 1) & 0x55555555;
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    count += (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
  }
  return count;
}

/**
 * The ids at the first `limit` positions set in both `a` and `mask`, in ascending position; the walk stops there, so
 * its cost is bounded by `limit` however many positions are set.
 */
export function idsUpTo(a: Uint32Array, mask: Uint32Array, ids: readonly string[], limit: number): string[] {
  const listed: string[] = [];
  for (let w = 0; w < a.length && listed.length < limit; w++) {
    let word = a[w]! & mask[w]!;
    while (word !== 0 && listed.length < limit) {
      const low = word & -word;
      word ^= low;
      listed.push(ids[(w << 5) + 31 - Math.clz32(low)]!);
    }
  }
  return listed;
}

/** The first position set in both `a` and `mask`, or -1. */
export function firstBoth(a: Uint32Array, mask: Uint32Array): number {
  for (let w = 0; w < a.length; w++) {
    const word = a[w]! & mask[w]!;
    if (word !== 0) return (w << 5) + 31 - Math.clz32(word & -word);
  }
  return -1;
}

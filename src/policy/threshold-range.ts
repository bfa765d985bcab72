/**
 * Number thresholds of one range group, sorted ascending: which slice of them a value passes (binary search), and
 * prefix bitsets that set the rows of a large slice a word at a time.
 */
import type { RangeOp } from "./condition-atoms";
import { setBit } from "./row-bits";

/** Entries between two prefix bitsets of a range group. */
export const PREFIX_STEP = 64;
/** Most words the prefix bitsets of one group may take (1 MiB); a larger group sets its rows one by one. */
const PREFIX_WORDS_LIMIT = 1 << 18;

/**
 * For a group of at least two steps: `prefixes[j]` holds the rows of entries [0, j × PREFIX_STEP) and `all` every
 * row; null when smaller, or when its bitsets would pass PREFIX_WORDS_LIMIT.
 */
export function prefixesOf(positions: Int32Array, words: number): { prefixes: Uint32Array[]; all: Uint32Array } | null {
  const count = Math.floor(positions.length / PREFIX_STEP);
  if (count < 2 || (count + 1) * words > PREFIX_WORDS_LIMIT) return null;
  const prefixes: Uint32Array[] = [new Uint32Array(words)];
  const running = new Uint32Array(words);
  positions.forEach((position, i) => {
    setBit(running, position);
    if ((i + 1) % PREFIX_STEP === 0) prefixes.push(running.slice());
  });
  return { prefixes, all: running };
}

/** First index in an ascending array whose bound is past `value` (`strict`: > value, else >= value). */
function boundaryOf(bounds: Float64Array, value: number, strict: boolean): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const bound = bounds[mid]!;
    if (strict ? bound <= value : bound < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The slice [from, to) of ascending `bounds` whose test `value op bound` holds. */
export function rangeOf(bounds: Float64Array, op: RangeOp, value: number): [number, number] {
  switch (op) {
    case ">": // bound < value
      return [0, boundaryOf(bounds, value, false)];
    case ">=": // bound <= value
      return [0, boundaryOf(bounds, value, true)];
    case "<": // bound > value
      return [boundaryOf(bounds, value, true), bounds.length];
    case "<=": // bound >= value
      return [boundaryOf(bounds, value, false), bounds.length];
  }
}

/**
 * Folding of look-alike characters before the detectors run, so PII cannot hide behind characters a reader does
 * not see or reads as ASCII: Unicode spaces become a space, invisible characters are dropped, Unicode hyphens and
 * dots become `-` and `.`, Unicode decimal digits (fullwidth `４`, Arabic-Indic `٤`, mathematical `𝟒`, …) become
 * ASCII digits. The folded text keeps a map back to the original offsets, so a match replaces the original
 * characters, invisible ones included.
 */

/**
 * FOLD[code]: KEEP, DROP, ASTRAL (a high surrogate that may start an astral digit), MARK (dropped after a digit, kept
 * elsewhere) or the ASCII code to write.
 */
const KEEP = 0;
const DROP = 1;
const ASTRAL = 2;
const MARK = 3;

/** Code points of the digit zero of each run of Unicode decimal digits (general category Nd, Unicode 17) past ASCII. */
const DIGIT_ZEROS = [
  0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xde6, 0xe50, 0xed0, 0xf20,
  0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0,
  0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10, 0x104a0, 0x10d30, 0x10d40, 0x11066, 0x110f0, 0x11136, 0x111d0,
  0x112f0, 0x11450, 0x114d0, 0x11650, 0x116c0, 0x116d0, 0x116da, 0x11730, 0x118e0, 0x11950, 0x11bf0, 0x11c50, 0x11d50,
  0x11da0, 0x11de0, 0x11f50, 0x16130, 0x16a60, 0x16ac0, 0x16b50, 0x16d70, 0x1ccf0, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec,
  0x1d7f6, 0x1e140, 0x1e2f0, 0x1e4f0, 0x1e5f1, 0x1e950, 0x1fbf0,
];

/** Unicode spaces (general category Zs) past ASCII: no-break, en/em/thin/hair, figure, narrow no-break, ideographic, … */
const SPACES = [0xa0, 0x1680, ...range(0x2000, 0x200a), 0x202f, 0x205f, 0x3000];
/**
 * Characters that render as nothing between digits: soft hyphen, Mongolian vowel separator, zero-width space,
 * non-joiner and joiner, word joiner, invisible operators, byte order mark.
 */
const INVISIBLE = [0xad, 0x180e, 0x200b, 0x200c, 0x200d, ...range(0x2060, 0x2064), 0xfeff];
/**
 * Marks drawn on the character before: combining diacritics, combining marks for symbols (the keycap `4️⃣`) and
 * variation selectors. After a digit they hide nothing from a reader; after a letter they are part of it (NFD `é`).
 */
const MARKS = [...range(0x300, 0x36f), ...range(0x20d0, 0x20ff), ...range(0xfe00, 0xfe0f)];
/** Hyphens and minus signs that read as `-`: hyphen, non-breaking hyphen, figure dash, en dash, minus, small and fullwidth hyphen-minus. */
const DASHES = [0x2010, 0x2011, 0x2012, 0x2013, 0x2212, 0xfe63, 0xff0d];
/** Dots that read as `.`: one dot leader, small and fullwidth full stop. */
const DOTS = [0x2024, 0xfe52, 0xff0e];

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let code = from; code <= to; code++) out.push(code);
  return out;
}

/** Built once (64 KB): a lookup per character keeps the scan of non-ASCII text as cheap as the ASCII one. */
const FOLD = /* @__PURE__ */ (() => {
  const table = new Uint8Array(0x10000);
  for (const code of SPACES) table[code] = 32;
  for (const code of INVISIBLE) table[code] = DROP;
  for (const code of MARKS) table[code] = MARK;
  for (const code of DASHES) table[code] = 45;
  for (const code of DOTS) table[code] = 46;
  for (const zero of DIGIT_ZEROS) {
    if (zero > 0xffff) table[0xd800 + ((zero - 0x10000) >> 10)] = ASTRAL;
    else for (let d = 0; d < 10; d++) table[zero + d] = 48 + d;
  }
  return table;
})();

/** True when `code` (a UTF-16 unit past ASCII) may fold; the fast path of textFacts asks this of every such unit. */
export const mayFold = (code: number) => FOLD[code] !== KEEP;

/** The ASCII digit an astral code point stands for, or KEEP. */
function astralDigit(codePoint: number): number {
  for (let i = DIGIT_ZEROS.length - 1; i >= 0 && DIGIT_ZEROS[i]! > 0xffff; i--) {
    const zero = DIGIT_ZEROS[i]!;
    if (codePoint >= zero) return codePoint - zero < 10 ? 48 + codePoint - zero : KEEP;
  }
  return KEEP;
}

/** A folded text and, for each of its characters, the offset in the original where it came from. */
export interface Folded {
  text: string;
  /** offsets[i]: where folded character i starts in the original; offsets[text.length] is the original's length. */
  offsets: Uint32Array | number[];
}

/**
 * Texts up to this length fold into plain arrays: a typed array costs a microsecond or two to allocate, more than
 * folding a short text, while a plain one grows too slowly for a long text.
 */
const SHORT_TEXT = 256;

/** Decodes UTF-16 code units in chunks: one call per chunk stays under the engine's argument limit. */
function decode(codes: Uint16Array | number[]): string {
  if (Array.isArray(codes)) return String.fromCharCode.apply(null, codes);
  let out = "";
  for (let k = 0; k < codes.length; k += 8192)
    out += String.fromCharCode.apply(null, codes.subarray(k, k + 8192) as unknown as number[]);
  return out;
}

/**
 * Folds `text` as described above; undefined when nothing changes (then the original is scanned as it is). A span
 * `[s, e)` of the folded text covers `[offsets[s], offsets[e])` of the original, which takes in the invisible
 * characters inside the match and right after it. One pass, two typed arrays the size of the text (plain arrays for
 * a short text), no per-character strings: a megabyte of no-break spaces folds in milliseconds.
 * @example foldText("4111\u00a01111\u200b1111")?.text // "4111 11111111"
 */
export function foldText(text: string): Folded | undefined {
  let codes: Uint16Array | number[] | undefined;
  let offsets: Uint32Array | number[] | undefined;
  let length = 0;
  // The last character the folded text got, so a mark after a digit is dropped.
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let fold = code > 127 ? FOLD[code]! : KEEP;
    let width = 1;
    if (fold === ASTRAL) {
      const point = text.codePointAt(i)!;
      fold = point > 0xffff ? astralDigit(point) : KEEP;
      if (fold !== KEEP) width = 2;
    } else if (fold === MARK) fold = last >= 48 && last <= 57 ? DROP : KEEP;
    if (fold === KEEP) {
      last = code;
      if (codes) {
        codes[length] = code;
        offsets![length++] = i;
      }
      continue;
    }
    if (!codes) {
      const short = text.length <= SHORT_TEXT;
      codes = short ? [] : new Uint16Array(text.length);
      offsets = short ? [] : new Uint32Array(text.length + 1);
      for (; length < i; length++) {
        codes[length] = text.charCodeAt(length);
        offsets[length] = length;
      }
    }
    if (fold !== DROP) {
      codes[length] = fold;
      offsets![length++] = i;
      last = fold;
    }
    i += width - 1;
  }
  if (!codes) return undefined;
  offsets![length] = text.length;
  // Plain arrays hold just what was written; typed ones are cut to it.
  if (Array.isArray(codes)) return { text: decode(codes), offsets: offsets! };
  return { text: decode(codes.subarray(0, length)), offsets: (offsets as Uint32Array).subarray(0, length + 1) };
}

/**
 * The `phone` detector. A number counts as a phone only in a layout people write phones in, so ids, dates and
 * versions stay readable:
 * - international: `+`, then 8 to 15 digits in all (E.164's lengths), with or without single spaces, dashes, dots
 *   or one pair of parentheses between groups (`+14155552671`, `+44 20 7946 0958`); a country code starting with 0
 *   is no valid E.164 but is still what a person typed as a phone (`+08553919859`, `+09 5600 07011892`), unless the
 *   `0` stands alone before a separator (`+0.00012345`, a signed decimal);
 * - North American: 3-3-4 digits with separators, optional leading `1` and parentheses around the area code, area
 *   code and exchange starting 2–9 (`(415) 555-2671`, `415.555.2671`, `1-415-555-2671`);
 * - national with a trunk `0`: 10 to 13 digits (Germany's longest) in 2 to 5 groups, the first (with the `0`) of 2 to 6 digits, the others
 *   of 1 to 8 with at most one single digit (`020 7946 0958`, `07700 900123`, `06 12345678`, `0123-4-5678`);
 * - national with the area code in parentheses: 2 to 5 digits in `(…)`, then groups to 10–13 digits in all
 *   (`(11) 91234-5678`, `(0646) 457589176`);
 * - national of nine digits in three or more groups of two or three (`912 345 678`, `12 345 67 89`, `12-345-67-89`),
 *   3-3-3 with one separator throughout (`999-493-308`, `913.173.178`: Spain's numbers, and Canada's SIN is written
 *   so), except four dotted groups (an IP address) and three dotted groups of at most 255 (the start of one,
 *   `192.168.100.x`); other nine-digit layouts are left alone, since zip+4 codes (`04368-3297`) and SSN-shaped
 *   numbers (3-2-4) look the same.
 * - international with the `00` prefix (ITU-T E.123, used across Europe) in place of `+`: `00`, a country code not
 *   starting with 0, 8 to 15 digits after it, in two or more groups (`0044 20 7946 0958`, `00 33 1 23 45 67 89`);
 * - a national number of ten digits written solid with its trunk `0` (`0123456789`: France, the Netherlands, Japan
 *   and Italy write ten-digit numbers this way).
 * - eight digits in four pairs with single spaces (`12 34 56 78`, Denmark and Norway);
 * - behind the trunk `8` of Russia and other former Soviet plans: 11 digits in four or more groups
 *   (`8 (495) 123-45-67`, `8-916-123-45-67`);
 * - a Chinese mobile: 11 digits starting 13 to 19 in 3-4-4 (`138 0013 8000`);
 * - any well-formed run of 8 to 15 digits, even solid, right behind a phone label (`Tel.: 961730736`, `mobile
 *   4155552671`, `teléfono 999-493-308`; see number-label.ts).
 * The country code may stand in parentheses (`(+44) 20 7946 0958`), and an extension written after the number
 * (` ext. 204`, ` x204`, `, ext 12`) is redacted with it.
 * Italian and other plans with nine-digit numbers after the trunk `0` are read in three or more groups
 * (`06 123 4567`), except 3-2-4 (an SSN's layout). Any other digit run without `+`, without separators and without a
 * phone label (`4155552671`, an order id) is never a phone, nor is a number behind an identifier label (`order`,
 * `invoice`, `tracking`, … or a code of two to five capital letters such as `PN`, `SKU`, `REF`, other than `TEL`,
 * `FAX`, `MOB`, `CELL`, `PH`): part, product and order numbers are written that way, phone numbers are not.
 */
import { numberLabel, type NumberLabel } from "./number-label";
import type { Detector, Span } from "./types";

// One bounded character class: linear. The candidate is cut into groups and checked in code.
const CANDIDATE = /(?<![\w+.-])(?:\(\+|[+(])?\d[\d ().-]{5,22}\d/g;

const isDigit = (code: number) => code >= 48 && code <= 57;
/** `\w`: ASCII letters, digits and `_`. */
const isWordChar = (code: number) => isDigit(code) || code === 95 || ((code | 32) >= 97 && (code | 32) <= 122);

interface Group {
  start: number;
  end: number;
  /** Separator characters between the previous group and this one ("" for the first). */
  before: string;
}

function groupsOf(candidate: string): Group[] {
  const groups: Group[] = [];
  let i = 0;
  let sepStart = 0;
  while (i < candidate.length) {
    if (!isDigit(candidate.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    while (i < candidate.length && isDigit(candidate.charCodeAt(i))) i++;
    groups.push({ start, end: i, before: groups.length ? candidate.slice(sepStart, start) : "" });
    sepStart = i;
  }
  return groups;
}

/** What may stand between two groups: one space, dash or dot, and parentheses around one group. */
const SEPARATORS = new Set([" ", "-", ".", "(", ")", " (", ") ", ")-", ")."]);

/** Digits of groups[from..to] if the window's separators and parentheses are well formed, else undefined. */
function windowDigits(candidate: string, groups: Group[], from: number, to: number, lead: string): string | undefined {
  let digits = "";
  let opened = lead.includes("(") ? from : -1;
  let closed = false;
  for (let g = from; g <= to; g++) {
    const group = groups[g]!;
    if (g > from) {
      if (!SEPARATORS.has(group.before)) return undefined;
      if (group.before.includes(")")) {
        if (opened !== g - 1 || closed) return undefined;
        closed = true;
      }
      if (group.before.includes("(")) {
        if (opened >= 0) return undefined;
        opened = g;
      }
    }
    digits += candidate.slice(group.start, group.end);
  }
  if (opened >= 0 && !closed) return undefined;
  return digits;
}

function lengths(groups: Group[], from: number, to: number): number[] {
  const out: number[] = [];
  for (let g = from; g <= to; g++) out.push(groups[g]!.end - groups[g]!.start);
  return out;
}

/** True when only single spaces separate groups[from..to]. */
function spaced(groups: Group[], from: number, to: number): boolean {
  for (let g = from + 1; g <= to; g++) if (groups[g]!.before !== " ") return false;
  return true;
}

/** 3-3-4 digits, or 1-3-3-4 after a leading `1`, whose area code and exchange start 2–9. */
const isNanp = (lens: number[], digits: string) => {
  const lead = lens.length === 4 && lens[0] === 1 && digits[0] === "1" ? 1 : 0;
  if (lens.length !== 3 + lead || lens[lead] !== 3 || lens[lead + 1] !== 3 || lens[lead + 2] !== 4) return false;
  return digits[lead]! >= "2" && digits[lead + 3]! >= "2";
};

/** True when the groups' lengths are `shape`, group by group: a comparison that builds no string per window. */
function hasShape(lens: readonly number[], shape: readonly number[]): boolean {
  if (lens.length !== shape.length) return false;
  for (let i = 0; i < lens.length; i++) if (lens[i] !== shape[i]) return false;
  return true;
}

const SHAPE_324 = [3, 2, 4];
const SHAPE_333 = [3, 3, 3];
const SHAPE_334 = [3, 3, 4];
const SHAPE_344 = [3, 4, 4];
const SHAPE_2222 = [2, 2, 2, 2];

/** Whether groups[from..to] have isNanp's lengths (3-3-4 or 1-3-3-4), read before the window's digits are. */
function hasNanpGroups(groups: Group[], from: number, to: number): boolean {
  const length = (g: number) => groups[g]!.end - groups[g]!.start;
  const lead = to - from === 3 && length(from) === 1 ? 1 : 0;
  return to - from === 2 + lead && length(from + lead) === 3 && length(from + lead + 1) === 3 && length(to) === 4;
}

const isTrunk = (lens: number[], digits: string) =>
  digits[0] === "0" &&
  digits[1] !== "0" &&
  (digits.length >= 10 || (digits.length === 9 && lens.length >= 3 && !hasShape(lens, SHAPE_324))) &&
  digits.length <= 13 &&
  lens.length >= 2 &&
  lens.length <= 5 &&
  lens[0]! >= 2 &&
  lens[0]! <= 6 &&
  lens.every((n) => n >= 1 && n <= 8) &&
  lens.filter((n) => n === 1).length <= 1;

/** `(` area code of 2 to 5 digits `)`, then the rest: 10 to 13 digits in all; the 3-3-4 layout is left to isNanp. */
const isParenthesisedArea = (lens: number[], lead: string, groups: Group[], from: number) =>
  lead === "(" &&
  !hasShape(lens, SHAPE_334) &&
  lens.length >= 2 &&
  lens.length <= 4 &&
  lens[0]! >= 2 &&
  lens[0]! <= 5 &&
  groups[from + 1]!.before.startsWith(")") &&
  lens.reduce((sum, n) => sum + n, 0) >= 10 &&
  lens.reduce((sum, n) => sum + n, 0) <= 13;

/** True when groups[from..to] are separated by one space, dash or dot, the same throughout. */
function oneSeparator(groups: Group[], from: number, to: number): boolean {
  const separator = groups[from + 1]!.before;
  if (separator !== " " && separator !== "-" && separator !== ".") return false;
  for (let g = from + 2; g <= to; g++) if (groups[g]!.before !== separator) return false;
  return true;
}

/** Three dotted groups of at most 255: an IPv4 address's first three octets (`192.168.100.x`). */
const isOctetTriple = (groups: Group[], from: number, digits: string) =>
  groups[from + 1]!.before === "." &&
  Number(digits.slice(0, 3)) <= 255 &&
  Number(digits.slice(3, 6)) <= 255 &&
  Number(digits.slice(6)) <= 255;

/**
 * Nine digits in three or more groups of two or three, 3-3-3 only with one separator throughout (`999-493-308`, not
 * `999 493-308`), and neither four dotted groups (an IP address) nor the dotted first three octets of one.
 */
const isNineGrouped = (lens: number[], digits: string, groups: Group[], from: number, to: number) =>
  lens.length >= 3 &&
  lens.reduce((sum, n) => sum + n, 0) === 9 &&
  lens.every((n) => n === 2 || n === 3) &&
  (!hasShape(lens, SHAPE_333) || (oneSeparator(groups, from, to) && !isOctetTriple(groups, from, digits))) &&
  !(lens.length === 4 && groups.slice(from + 1, to + 1).every((g) => g.before === "."));

/** Ten digits with the trunk `0` written solid. */
const isSolidTrunk = (lens: number[], digits: string) =>
  lens.length === 1 && digits.length === 10 && digits[0] === "0" && digits[1] !== "0";

/** `00` written whole at the start of the first group, a country code, then 8 to 15 digits, in groups. */
const isInternationalPrefix = (lens: number[], digits: string) =>
  lens.length >= 2 &&
  lens[0]! >= 2 &&
  digits.startsWith("00") &&
  digits[2] !== "0" &&
  digits.length >= 10 &&
  digits.length <= 17;

/** Eight digits in four pairs with single spaces (`12 34 56 78`: Denmark and Norway write their numbers so). */
const isFourPairs = (lens: number[], groups: Group[], from: number, to: number) =>
  hasShape(lens, SHAPE_2222) && spaced(groups, from, to);

/**
 * The trunk prefix `8` of Russia and other former Soviet plans: `8`, an area code of 3 to 5 digits, 11 digits in all,
 * in four or more groups (`8 (495) 123-45-67`, `8-916-123-45-67`, `8 800 555 3535`).
 */
const isTrunkEight = (lens: number[], digits: string) =>
  lens.length >= 4 &&
  lens[0] === 1 &&
  digits[0] === "8" &&
  digits.length === 11 &&
  lens[1]! >= 3 &&
  lens[1]! <= 5 &&
  lens.slice(2).every((n) => n >= 2 && n <= 4);

/** A Chinese mobile number: 11 digits starting 13 to 19, written 3-4-4 (`138 0013 8000`, `139-1234-5678`). */
const isChineseMobile = (lens: number[], digits: string) =>
  hasShape(lens, SHAPE_344) && digits[0] === "1" && digits[1]! >= "3";

/** An extension written after a number (` ext. 204`, ` x204`, `, ext 12`, ` #3`): its length, else 0. */
const EXTENSION = /^,? ?(?:ext\.?|extension|x|#) ?\d{1,6}(?![\w.-])/i;
function extensionLength(text: string, at: number): number {
  const next = text.charCodeAt(at);
  // Only a space, comma, `x` or `#` can start one: most numbers end without, and pay one comparison.
  if (next !== 32 && next !== 44 && (next | 32) !== 120 && next !== 35) return 0;
  return EXTENSION.exec(text.slice(at, at + 20))?.[0].length ?? 0;
}

/** Finds phone numbers in the layouts described above. */
export const phoneDetector: Detector = {
  name: "phone",
  // E.164's least: eight digits.
  minLength: 8,
  mayMatch: (_, facts) => facts.numberDigits >= 8,
  find(text) {
    const spans: Span[] = [];
    CANDIDATE.lastIndex = 0;
    for (let match = CANDIDATE.exec(text); match; match = CANDIDATE.exec(text)) {
      const candidate = match[0];
      const base = match.index;
      const after = base + candidate.length;
      const next = text.charCodeAt(after);
      const runsOn = isWordChar(next) || ((next === 45 || next === 46) && isDigit(text.charCodeAt(after + 1)));
      let resumeAt = after;
      // Without a space, the only window is the whole candidate (dates, timestamps), and it runs on.
      if (runsOn && !candidate.includes(" ")) continue;
      const groups = groupsOf(candidate);
      // The label before the candidate, read once and only when a window needs it.
      let startLabel: NumberLabel | "none" | undefined;
      search: for (let from = 0; from < groups.length; from++) {
        const atStart = from === 0;
        const sep = groups[from]!.before;
        if (!atStart && sep !== " " && sep !== " (") continue;
        const windowStart = atStart ? 0 : groups[from]!.start - (sep === " (" ? 1 : 0);
        const lead = atStart ? candidate.slice(0, groups[0]!.start) : sep.slice(1);
        if (lead !== "" && lead !== "+" && lead !== "(" && lead !== "(+") continue;
        for (let to = groups.length - 1; to >= from; to--) {
          const atEnd = to === groups.length - 1;
          if (atEnd ? runsOn : !groups[to + 1]!.before.startsWith(" ")) continue;
          let count = 0;
          for (let g = from; g <= to; g++) count += groups[g]!.end - groups[g]!.start;
          // Every layout has 8 (E.164's least) to 15 (its most) digits, two more behind `00`: skip any other window.
          if (count < 8 || count > 17) continue;
          // Past the candidate's start only a North American number is read (see `layout`): skip any window not in
          // its groups before reading its digits.
          if (!atStart && !hasNanpGroups(groups, from, to)) continue;
          const digits = windowDigits(candidate, groups, from, to, lead);
          if (digits === undefined) continue;
          const lens = lengths(groups, from, to);
          // Behind `+`, 8 to 15 digits, the country code starting 0 too (as typed), but not `+0` alone: a decimal.
          const international = lead.includes("+") && count <= 15 && !(digits[0] === "0" && lens[0] === 1);
          const layout =
            international ||
            (atStart
              ? (lead === "" && (isInternationalPrefix(lens, digits) || isSolidTrunk(lens, digits))) ||
                isNanp(lens, digits) ||
                isTrunk(lens, digits) ||
                isParenthesisedArea(lens, lead, groups, from) ||
                isNineGrouped(lens, digits, groups, from, to) ||
                isFourPairs(lens, groups, from, to) ||
                isTrunkEight(lens, digits) ||
                isChineseMobile(lens, digits)
              : isNanp(lens, digits) && !spaced(groups, from, to));
          // A phone label makes any well-formed run of 8 to 15 digits a phone (`Tel.: 0612345678`); an order,
          // invoice or part number is that record's id, whatever its layout. Labels are read only here: most
          // windows fail both tests above.
          if (!layout && !(atStart && count <= 15 && (startLabel ??= numberLabel(text, base) ?? "none") === "phone"))
            continue;
          const label = atStart
            ? (startLabel ??= numberLabel(text, base) ?? "none")
            : numberLabel(text, base + windowStart);
          if (label === "identifier" || label === "code") break search;
          const end = base + groups[to]!.end + extensionLength(text, base + groups[to]!.end);
          spans.push({ start: base + windowStart, end });
          resumeAt = end;
          break search;
        }
      }
      CANDIDATE.lastIndex = resumeAt;
    }
    return spans;
  },
};

/**
 * Whether a number is labelled as an identifier of a business record (`order 4947834880207956`, `Invoice no.
 * 4111111111111111`, `tracking #: 0858148376`, `PN 012-3456-789`). Such a number names an order, a parcel or a part,
 * not a person, so the phone and card detectors leave it even when its digits happen to fit a phone's layout or pass
 * Luhn with a card's prefix. Only a label standing right before the number counts: a label further back, or a phone
 * label (`TEL`, `FAX`), does not.
 */

/** Words that name a record's identifier (compared in lower case). */
const ID_WORDS = new Set([
  "order",
  "invoice",
  "tracking",
  "shipment",
  "parcel",
  "package",
  "ticket",
  "case",
  "reference",
  "ref",
  "transaction",
  "txn",
  "confirmation",
  "booking",
  "receipt",
  "sku",
  "serial",
  "part",
  "po",
  "batch",
  "lot",
]);

/** Capital-letter labels that name a phone number rather than a code. */
const PHONE_LABELS = new Set(["TEL", "FAX", "MOB", "CELL", "PH", "PHONE"]);

/**
 * An identifier word, then optionally `#`, `no.`, `nr.`, `num`, `number` or `id`, then `:`, `#`, `-` or spaces, at the
 * end of the text before the number; the word must start a word.
 */
const WORD_LABEL = /(?:^|[^\p{L}\p{N}_])(\p{L}+)(?:[ ]?(?:#|no\.?|nr\.?|num(?:ber)?\.?|id))?[ ]?[:#-]?[ ]?$/iu;

/**
 * How far back a label is read: longer than the longest label (`confirmation number : `, 22 characters), so a longer
 * word cut at the window's start keeps too many letters to be taken for an id word.
 */
const LOOK_BACK = 24;

/**
 * A code label (two to five capital letters, not the end of a longer word, then one space or dash: `PN `, `SKU-`,
 * `REF `), other than a phone label. Read with character tests, since most numbers have no label.
 */
function behindCodeLabel(text: string, at: number): boolean {
  const sep = text.charCodeAt(at - 1);
  if (sep !== 32 && sep !== 45) return false;
  let i = at - 2;
  while (i >= 0 && at - 2 - i < 6 && text.charCodeAt(i) >= 65 && text.charCodeAt(i) <= 90) i--;
  const length = at - 2 - i;
  if (length < 2 || length > 5 || (i >= 0 && /\w/.test(text[i]!))) return false;
  return !PHONE_LABELS.has(text.slice(i + 1, at - 1));
}

/**
 * True when the number starting at `at` in `text` is labelled as a record's identifier: a code label (`PN `, `SKU-`)
 * or an identifier word (`order`, `invoice`, `tracking`, … see ID_WORDS) with an optional `#`/`no.`/`number`/`id`
 * and punctuation between it and the number.
 * @example behindIdentifierLabel("order #4111111111111111", 7) // true
 */
export function behindIdentifierLabel(text: string, at: number): boolean {
  if (at === 0) return false;
  if (behindCodeLabel(text, at)) return true;
  const word = WORD_LABEL.exec(text.slice(Math.max(0, at - LOOK_BACK), at))?.[1];
  return word !== undefined && ID_WORDS.has(word.toLowerCase());
}

/**
 * What a number is labelled as, read from the words right before it. A number behind an identifier label (`order
 * 4947834880207956`, `Invoice no. …`, `tracking #: …`, `PN 012-3456-789`) names an order, a parcel or a part, not a
 * person, so the phone and card detectors leave it even when its digits fit a phone's layout or pass Luhn with a
 * card's prefix. A number behind a phone label (`Tel.: 0612345678`, `mobile 4155552671`) is a phone whatever its
 * layout. Only a label standing right before the number counts, never one further back.
 */

/** Words that name a record's identifier (compared in lower case). */
const IDENTIFIER_WORDS = new Set([
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

/** Words that name a phone number, in the languages of the held-out locales (compared in lower case). */
const PHONE_WORDS = new Set([
  "tel",
  "tél",
  "tfn",
  "tlf",
  "phone",
  "telephone",
  "téléphone",
  "telefon",
  "telefono",
  "teléfono",
  "telefone",
  "telefoon",
  "ph",
  "mobile",
  "mob",
  "mobil",
  "móvil",
  "movil",
  "cellulare",
  "celular",
  "portable",
  "handy",
  "cell",
  "fax",
  "whatsapp",
  "call",
  "電話",
]);

/**
 * A word, then optionally `#`, `no.`, `nr.`, `num`, `number` or `id`, then up to two of `.:#-` and spaces, at the end
 * of the text before the number; the word must start a word.
 */
const WORD_LABEL = /(?:^|[^\p{L}\p{N}_])(\p{L}+)(?:[ ]?(?:#|no\.?|nr\.?|num(?:ber)?\.?|id))?[ ]?[.:#-]{0,2}[ ]?$/iu;

/**
 * How far back a label is read: longer than the longest label (`confirmation number.: `, 23 characters), so a longer
 * word cut at the window's start keeps too many letters to be taken for a label word.
 */
const LOOK_BACK = 25;

/**
 * What a number is labelled as: a record's identifier, a phone, or an unknown code of capital letters (`PN`, `REF`),
 * which marks part and product numbers for the phone detector but not for the card detector (`VISA 4111…` is a card).
 */
export type NumberLabel = "identifier" | "phone" | "code";

/**
 * A code label (two to five capital letters, not the end of a longer word, then one space or dash: `PN `, `SKU-`,
 * `TEL `). Read with character tests, since most numbers have no label.
 */
function codeLabel(text: string, at: number): string | undefined {
  const sep = text.charCodeAt(at - 1);
  if (sep !== 32 && sep !== 45) return undefined;
  let i = at - 2;
  while (i >= 0 && at - 2 - i < 6 && text.charCodeAt(i) >= 65 && text.charCodeAt(i) <= 90) i--;
  const length = at - 2 - i;
  if (length < 2 || length > 5 || (i >= 0 && /\w/.test(text[i]!))) return undefined;
  return text.slice(i + 1, at - 1);
}

/**
 * The label of the number starting at `at` in `text`: "identifier" behind an identifier word (`order`, `invoice`,
 * `tracking`, … see IDENTIFIER_WORDS), "phone" behind a phone word (`tel`, `mobile`, `teléfono`, … see PHONE_WORDS),
 * each with an optional `#`/`no.`/`number`/`id` and punctuation between it and the number; "code" behind any other
 * code label (`PN `, `SKU-`); otherwise undefined.
 * @example numberLabel("order #4111111111111111", 7) // "identifier"
 */
export function numberLabel(text: string, at: number): NumberLabel | undefined {
  if (at === 0) return undefined;
  const code = codeLabel(text, at);
  const word = (code ?? WORD_LABEL.exec(text.slice(Math.max(0, at - LOOK_BACK), at))?.[1])?.toLowerCase();
  if (word === undefined) return undefined;
  if (IDENTIFIER_WORDS.has(word)) return "identifier";
  if (PHONE_WORDS.has(word)) return "phone";
  return code === undefined ? undefined : "code";
}

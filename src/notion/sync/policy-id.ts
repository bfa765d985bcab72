/** Policy IDs the sync gives rows that have a Name but no Policy ID. */

/** The Policies property that holds a row's id. */
export const POLICY_ID = "Policy ID";

/** The longest Policy ID the Policies schema accepts. */
const MAX_ID = 64;

/** Used when a Name holds no letter or digit at all (emoji, punctuation). */
const FALLBACK = "policy";

/**
 * The Policy ID a Name suggests: lower case, accents dropped, every run of other characters one `_`, at most 64
 * characters. "Refunds over $500 need a manager" → `refunds_over_500_need_a_manager`.
 */
export function slugOf(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return trimmed(slug.slice(0, MAX_ID)) || FALLBACK;
}

/** `slugOf(name)`, or with `_2`, `_3`… when another row holds it: the first id not in `taken`. */
export function uniquePolicyId(name: string, taken: ReadonlySet<string>): string {
  const base = slugOf(name);
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = `_${n}`;
    const id = `${trimmed(base.slice(0, MAX_ID - suffix.length))}${suffix}`;
    if (!taken.has(id)) return id;
  }
}

/** What a row's Sync status adds when its id was given by the sync; the write-back reads the id from it. */
export function givenIdNote(policy_id: string): string {
  return ` · Policy ID "${policy_id}" given from the Name`;
}

const GIVEN_ID = /· Policy ID "([a-z0-9][a-z0-9_-]{0,63})" given from the Name$/;

/** The Policy ID a Sync status says the sync gave the row (to write into the row's Policy ID), or null. */
export function givenIdOf(sync_status: string): string | null {
  return GIVEN_ID.exec(sync_status)?.[1] ?? null;
}

// A cut may leave a trailing `_`; an id never ends in one.
const trimmed = (slug: string) => slug.replace(/_+$/, "");

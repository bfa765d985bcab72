/**
 * What `policy-os ledger verify` checks offline, over the texts of the files an auditor holds: a checkpoint's
 * signature, an entry's inclusion in a checkpoint's tree, and a newer checkpoint extending an older one. Each check
 * is a {@link LedgerProofVerdict}: a value with a one-line sentence, never an exception.
 */
import { decodeBase64, encodeBase64 } from "./base64";
import { entryHash, entryId } from "./chain";
import { entryLineSchema } from "./evidence-verify";
import { parseVerifierKey, verifyCheckpoint, type Checkpoint, type VerifierKey } from "./note-verify";
import {
  consistencyProofSchema,
  entryLeafHash,
  inclusionProofSchema,
  verifyConsistency,
  verifyInclusion,
} from "./proof-verify";

/** Which check a verdict is for. */
export type LedgerProofMode = "checkpoint" | "inclusion" | "consistency";

/**
 * A check's result: `reason` is null when it holds, else a code (a NoteFailure, a ProofFailure, or one of
 * `malformed_entry`, `entry_altered`, `entry_not_in_tree`, `malformed_proof`, `proof_for_another_leaf`,
 * `proof_for_another_tree`, `other_log`, `truncated`, `rewritten`); `message` says it in one line.
 */
export interface LedgerProofVerdict {
  ok: boolean;
  mode: LedgerProofMode;
  reason: string | null;
  message: string;
  /** The (newest) checkpoint checked, when its signature verified. */
  checkpoint?: { origin: string; size: number; root: string; signed_by: string[]; unknown_signers: string[] };
  /** For `inclusion`: the entry's seq and hash. */
  entry?: { seq: number; hash: string };
  /** For `consistency`: the older checkpoint's size and root. */
  previous?: { size: number; root: string };
}

/** Verifier keys from text: one `<name>+<hex id>+<base64>` per non-empty line; the first bad line is named. */
export async function readVerifierKeys(
  text: string,
): Promise<{ ok: true; keys: VerifierKey[] } | { ok: false; detail: string }> {
  const keys: VerifierKey[] = [];
  const lines = text.split("\n").map((line) => line.trim());
  for (const [i, line] of lines.entries()) {
    if (line === "") continue;
    const parsed = await parseVerifierKey(line);
    if (!parsed.ok) return { ok: false, detail: `line ${i + 1} is not a verifier key: ${parsed.detail}` };
    keys.push(parsed.key);
  }
  return keys.length > 0 ? { ok: true, keys } : { ok: false, detail: "no verifier key given" };
}

type Opened = { ok: true; checkpoint: Checkpoint; summary: NonNullable<LedgerProofVerdict["checkpoint"]> };

async function openCheckpoint(
  mode: LedgerProofMode,
  note: string | Uint8Array,
  keys: readonly VerifierKey[],
  which = "the checkpoint",
): Promise<Opened | LedgerProofVerdict> {
  const check = await verifyCheckpoint(note, keys);
  if (!check.ok) return { ok: false, mode, reason: check.reason, message: `${which} is not trusted: ${check.detail}` };
  const { origin, size, root } = check.checkpoint;
  return {
    ok: true,
    checkpoint: check.checkpoint,
    summary: {
      origin,
      size,
      root: encodeBase64(root),
      signed_by: check.signed_by,
      unknown_signers: check.unknown_signatures.map((s) => s.name),
    },
  };
}

const isOpened = (value: Opened | LedgerProofVerdict): value is Opened => "summary" in value;
const refused = (mode: LedgerProofMode, reason: string, message: string, rest: Partial<LedgerProofVerdict> = {}) => ({
  ok: false,
  mode,
  reason,
  message,
  ...rest,
});

/** A saved checkpoint's signature: it was signed by one of `keys` (at least one known signature verifies). */
export async function checkCheckpoint(
  note: string | Uint8Array,
  keys: readonly VerifierKey[],
): Promise<LedgerProofVerdict> {
  const opened = await openCheckpoint("checkpoint", note, keys);
  if (!isOpened(opened)) return opened;
  const { origin, size, root, signed_by } = opened.summary;
  return {
    ok: true,
    mode: "checkpoint",
    reason: null,
    message: `checkpoint verified: ${origin} at ${size} entries, root ${root}, signed by ${signed_by.join(", ")}`,
    checkpoint: opened.summary,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * An exported entry (a JSON object, or one line of an evidence export) is in the checkpoint's tree: its hash
 * recomputes from its canonical bytes (docs/ledger.md#the-hash-chain), and the inclusion proof, for leaf seq − 1 of
 * a tree of the checkpoint's size, leads from its leaf hash to the signed root.
 */
export async function checkEntryInclusion(input: {
  checkpoint: string | Uint8Array;
  keys: readonly VerifierKey[];
  entry: string;
  proof: string;
}): Promise<LedgerProofVerdict> {
  const mode = "inclusion";
  const opened = await openCheckpoint(mode, input.checkpoint, input.keys);
  if (!isOpened(opened)) return opened;
  const checkpoint = opened.summary;
  const parsedEntry = entryLineSchema.safeParse(parseJson(input.entry.trim()));
  if (!parsedEntry.success) return refused(mode, "malformed_entry", "the entry is not one ledger entry as JSON");
  const entry = parsedEntry.data;
  const about = { checkpoint, entry: { seq: entry.seq, hash: entry.hash } };
  if (entry.id !== entryId(entry.seq) || entry.hash !== entryHash(entry))
    return refused(mode, "entry_altered", `entry ${entry.seq}'s hash does not recompute: the entry was changed`, about);
  if (entry.seq > checkpoint.size)
    return refused(
      mode,
      "entry_not_in_tree",
      `entry ${entry.seq} is newer than the checkpoint (${checkpoint.size} entries)`,
      about,
    );
  const parsedProof = inclusionProofSchema.safeParse(parseJson(input.proof));
  const hashes = parsedProof.success ? parsedProof.data.hashes.map(decodeBase64) : [];
  if (!parsedProof.success || hashes.some((h) => h === null))
    return refused(mode, "malformed_proof", 'the proof is not { "leaf_index", "tree_size", "hashes": [base64…] }');
  const proof = parsedProof.data;
  if (proof.leaf_index !== entry.seq - 1)
    return refused(
      mode,
      "proof_for_another_leaf",
      `the proof is for leaf ${proof.leaf_index}, entry ${entry.seq} is leaf ${entry.seq - 1}`,
      about,
    );
  if (proof.tree_size !== checkpoint.size)
    return refused(
      mode,
      "proof_for_another_tree",
      `the proof is for a tree of ${proof.tree_size} entries, the checkpoint's has ${checkpoint.size}`,
      about,
    );
  const check = await verifyInclusion({
    index: entry.seq - 1,
    size: checkpoint.size,
    leaf: (await entryLeafHash(entry.hash))!,
    proof: hashes as Uint8Array[],
    root: opened.checkpoint.root,
  });
  if (!check.ok)
    return refused(
      mode,
      check.reason,
      `entry ${entry.seq} is not proven in the checkpoint's tree: ${check.detail}`,
      about,
    );
  return {
    ok: true,
    mode,
    reason: null,
    message: `entry ${entry.seq} (${entry.kind}, hash ${entry.hash}) is in the ledger ${checkpoint.origin} signed at ${checkpoint.size} entries`,
    ...about,
  };
}

/**
 * The newer checkpoint extends the older one: both are signed by `keys` and name the same log, and the consistency
 * proof shows the newer tree's first entries are exactly the older tree. A smaller newer tree is `truncated`; a
 * proof that does not reach the older root, or two roots for one size, is `rewritten`. An empty older checkpoint
 * holds nothing to protect, so any newer one of the same log extends it.
 */
export async function checkConsistency(input: {
  older: string | Uint8Array;
  newer: string | Uint8Array;
  keys: readonly VerifierKey[];
  /** The consistency proof's JSON; not needed when the sizes are equal or the older tree is empty. */
  proof?: string;
}): Promise<LedgerProofVerdict> {
  const mode = "consistency";
  const older = await openCheckpoint(mode, input.older, input.keys, "the older checkpoint");
  if (!isOpened(older)) return older;
  const newer = await openCheckpoint(mode, input.newer, input.keys, "the newer checkpoint");
  if (!isOpened(newer)) return newer;
  const [a, b] = [older.summary, newer.summary];
  const rest = { checkpoint: b, previous: { size: a.size, root: a.root } };
  if (a.origin !== b.origin)
    return refused(mode, "other_log", `the checkpoints are of two logs: ${a.origin} and ${b.origin}`, rest);
  if (b.size < a.size)
    return refused(
      mode,
      "truncated",
      `the ledger has ${b.size} entries, fewer than the ${a.size} signed before: entries were removed`,
      rest,
    );
  if (a.size === 0)
    return {
      ok: true,
      mode,
      reason: null,
      message: `${b.origin} at ${b.size} entries extends the empty ledger`,
      ...rest,
    };
  let hashes: Uint8Array[] = [];
  if (a.size !== b.size) {
    if (input.proof === undefined)
      return refused(
        mode,
        "malformed_proof",
        `no consistency proof from ${a.size} to ${b.size} entries was given`,
        rest,
      );
    const parsed = consistencyProofSchema.safeParse(parseJson(input.proof));
    const decoded = parsed.success ? parsed.data.hashes.map(decodeBase64) : [null];
    if (decoded.some((h) => h === null))
      return refused(mode, "malformed_proof", 'the proof is not { "hashes": [base64…] }', rest);
    hashes = decoded as Uint8Array[];
  }
  const check = await verifyConsistency({
    size1: a.size,
    size2: b.size,
    root1: older.checkpoint.root,
    root2: newer.checkpoint.root,
    proof: hashes,
  });
  if (!check.ok) {
    const rewritten = check.reason === "root_mismatch";
    return refused(
      mode,
      rewritten ? "rewritten" : check.reason,
      rewritten
        ? `the ledger's first ${a.size} entries are not the ones signed before: entries were rewritten or removed (${check.detail})`
        : `the ledger at ${b.size} entries is not proven to extend the one at ${a.size}: ${check.detail}`,
      rest,
    );
  }
  return {
    ok: true,
    mode,
    reason: null,
    message: `${b.origin} at ${b.size} entries extends the checkpoint at ${a.size}: nothing signed before was removed or changed`,
    ...rest,
  };
}

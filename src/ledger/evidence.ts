import { canonicalJson } from "./canonical";
import type { ChainPosition } from "./chain";
import { checkpointOf } from "./checkpoint-note";
import { parseLedgerEntry } from "./entries";
import type { CheckpointSigner } from "./signing-key";
import type { Ledger, LedgerEntry } from "./types";

/** What an evidence export selects: decisions carrying `tag`, taken in [from, to) (ISO-8601 instants, or open). */
export interface EvidenceQuery {
  tag: string;
  from: string | null;
  to: string | null;
}

/** The last line of an export: what was asked, how many entries came, the ledger's head, and how to check it all. */
export interface EvidenceSummary extends EvidenceQuery {
  kind: "evidence_summary";
  tenant_id: string;
  entries: number;
  invocations: number;
  head: ChainPosition;
  /**
   * The signed checkpoint of the ledger's tree of `head.seq` entries, which every entry line's `inclusion_proof` is
   * against; absent when the deployment has no signing key (then entry lines carry no proof).
   */
  checkpoint?: string;
  verify: string;
}

/** The `kind` of an export's summary line; every other line is a ledger entry. */
export const EVIDENCE_SUMMARY_KIND = "evidence_summary";

/** How an auditor checks an export, written into its summary line. */
export const EVIDENCE_VERIFY_HOW =
  "how to check: every line before this one is a ledger entry as stored; sha256 (hex) of the canonical JSON " +
  "(keys sorted, no whitespace) of the entry without its hash member equals hash, and id is led_<seq>; where " +
  "one line's seq follows the previous line's, its prev_hash equals that line's hash; head is the ledger's " +
  "newest entry when exported: GET /admin/ledger/verify must answer ok with entries >= head.seq, and the entry " +
  "at head.seq (GET /admin/ledger?after_seq=<head.seq - 1>&limit=1) must have head.hash. " +
  "`npx policy-os evidence verify <file>` runs the first checks offline. With checkpoint (a signed note, " +
  "c2sp.org/tlog-checkpoint), each entry's inclusion_proof is its RFC 6962 audit path (leaf hash = sha256 of 0x00 " +
  "and the 32 bytes of hash) to the root checkpoint signs, checked with the key from GET /admin/ledger/key.";

/** What an export needs to carry a signed checkpoint and each entry's inclusion proof: the signer and the tree. */
export interface EvidenceProofs {
  signer: CheckpointSigner;
  tree: Pick<Ledger, "treeHead" | "inclusionProof">;
}

/** Ledger entries are read this many at a time, so an export of a large ledger never holds it all. */
export const EVIDENCE_PAGE = 500;

/**
 * Decides, entry by entry in ascending seq, what belongs in an export: each `decision` entry whose tags include
 * the tag and whose time is in the window, then every later entry of the same invocation (its outcome, escalation
 * events) and every escalation event of an escalation such a decision opened (a decision taken in Notion carries
 * no invocation id). Decision and escalation bodies are read through their schemas; one no schema accepts cannot be
 * told apart, so it is exported, and the auditor's check reports it rather than the export hiding it. Remembers
 * only the ids of selected invocations and escalations.
 */
export function evidenceSelector(query: EvidenceQuery): (entry: LedgerEntry) => boolean {
  const from = query.from === null ? -Infinity : Date.parse(query.from);
  const to = query.to === null ? Infinity : Date.parse(query.to);
  const invocations = new Set<string>();
  const escalations = new Set<string>();
  return function selects(entry) {
    // Only decision and escalation bodies decide what is selected; outcomes follow their invocation.
    const parsed = entry.kind === "decision" || entry.kind === "escalation" ? parseLedgerEntry(entry) : null;
    if (parsed && !parsed.ok) return true;
    const read = parsed?.entry;
    if (read?.kind === "decision") {
      const at = Date.parse(read.at);
      if (!read.body.tags.includes(query.tag) || !(at >= from && at < to)) return false;
      if (read.invocation_id !== null) invocations.add(read.invocation_id);
      if (read.body.escalation_id !== null) escalations.add(read.body.escalation_id);
      return true;
    }
    if (entry.invocation_id !== null && invocations.has(entry.invocation_id)) return true;
    return read?.kind === "escalation" && escalations.has(read.body.escalation_id);
  };
}

/**
 * The lines of one tenant's evidence export, each canonical JSON without a newline: the selected entries in
 * ascending seq, read a page at a time up to the head as it was when the export began, then the summary. With
 * `proofs`, the summary carries the signed checkpoint of the head's tree and each entry its `inclusion_proof`
 * (`{ leaf_index, tree_size, hashes }`, as `GET /admin/ledger/proof/inclusion` answers) against it.
 *
 * @example for await (const line of evidenceLines(ledgerFor(env, "acme"), "acme", { tag: "SOX", from: null, to: null })) out.push(line);
 */
export async function* evidenceLines(
  ledger: Pick<Ledger, "head" | "list">,
  tenant_id: string,
  query: EvidenceQuery,
  proofs: EvidenceProofs | null = null,
): AsyncGenerator<string> {
  // Entries appended while the export runs are left out, so the summary's head names exactly what was read.
  const head = await ledger.head();
  // The head is committed, so the tree holds it: a signer always yields a checkpoint of exactly head.seq entries.
  const signed = proofs === null ? null : await checkpointOf(proofs.tree, proofs.signer, tenant_id, head.seq);
  const checkpoint = typeof signed === "string" ? signed : null;
  const tree = checkpoint === null ? null : (proofs?.tree ?? null);
  const selects = evidenceSelector(query);
  let entries = 0;
  let decisions = 0;
  let after_seq = 0;
  while (after_seq < head.seq) {
    const page = await ledger.list({ after_seq, limit: Math.min(EVIDENCE_PAGE, head.seq - after_seq) });
    if (page.length === 0) break;
    for (const entry of page) {
      if (!selects(entry)) continue;
      entries++;
      if (entry.kind === "decision") decisions++;
      if (tree === null) {
        yield canonicalJson(entry);
        continue;
      }
      const proof = await tree.inclusionProof(entry.seq, head.seq);
      if ("beyond" in proof) throw new Error(`ledger tree holds fewer than ${head.seq} entries`);
      yield canonicalJson({ ...entry, inclusion_proof: proof });
    }
    after_seq = page[page.length - 1]!.seq;
  }
  const summary: EvidenceSummary = {
    kind: EVIDENCE_SUMMARY_KIND,
    tenant_id,
    ...query,
    entries,
    invocations: decisions,
    head: { seq: head.seq, hash: head.hash },
    ...(checkpoint === null ? {} : { checkpoint }),
    verify: EVIDENCE_VERIFY_HOW,
  };
  yield canonicalJson(summary);
}

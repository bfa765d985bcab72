import type { JsonValue } from "./canonical";
import type { TypedLedgerEntryInput } from "./entries";

/** Every kind of ledger entry. Later issues add kinds (approval decisions, …). */
export const LEDGER_ENTRY_KINDS = [
  "decision",
  "outcome",
  "escalation",
  "policy_sync",
  "release",
  "release_accepted",
] as const;

/** Kinds of ledger entry. */
export type LedgerEntryKind = (typeof LEDGER_ENTRY_KINDS)[number];

/**
 * What a caller appends, built with decisionEntry, outcomeEntry, escalationEntry, policySyncEntry, releaseEntry or
 * releaseAcceptedEntry (./entries):
 * one kind with its typed body. The ledger assigns seq, time, prev_hash and hash.
 */
export type LedgerEntryInput = TypedLedgerEntryInput;

/**
 * An entry as `append` checks it (a known kind, an invocation id or null, a plain JSON object body) and as it is
 * stored: its body's members are not checked on append; parseLedgerEntry reads them by kind and version.
 */
export interface LooseLedgerEntryInput {
  kind: LedgerEntryKind;
  invocation_id: string | null;
  body: { [key: string]: JsonValue };
}

/**
 * One hash-chained entry. `hash` = sha256 hex of the canonical JSON of every other field;
 * `prev_hash` is the previous entry's hash (64 zeros for seq 1).
 */
export interface LedgerEntry extends LooseLedgerEntryInput {
  /** `led_<seq>`: what outcomes list in `evidence_ids`. */
  id: string;
  seq: number;
  tenant_id: string;
  at: string;
  prev_hash: string;
  hash: string;
}

/** The newest entry's position: commits to the whole chain. */
export interface LedgerHead {
  tenant_id: string;
  entries: number;
  seq: number;
  hash: string;
}

/**
 * Where the chain stood at an instant: the last entry stamped before it (seq 0, 64 zeros and `at` null when there
 * was none yet). Published on the weekly digest page, so Notion's page history witnesses the chain too.
 */
export interface LedgerCheckpoint {
  seq: number;
  hash: string;
  /** When that entry was stamped (null: the genesis, before any entry). */
  at: string | null;
}

/** A Merkle tree head (RFC 6962): the number of entries it covers and its root hash in standard base64. */
export interface TreeHead {
  tree_size: number;
  root_hash: string;
}

/** An inclusion proof: the audit path of leaf `leaf_index` (the entry with seq leaf_index + 1), base64 hashes. */
export interface InclusionProof {
  leaf_index: number;
  tree_size: number;
  hashes: string[];
}

/** A consistency proof from the tree of `from` entries to the tree of `to`, base64 hashes. */
export interface ConsistencyProof {
  from: number;
  to: number;
  hashes: string[];
}

/** A tree head or proof was asked of more entries than the ledger holds: `tree_size` is how many it holds. */
export interface BeyondTree {
  beyond: true;
  tree_size: number;
}

/** Result of recomputing the chain. */
export interface LedgerVerification {
  ok: boolean;
  entries: number;
  first_bad_seq: number | null;
}

/** Paging for {@link Ledger.list}: entries with seq greater than `after_seq`, at most `limit` of them. */
export interface LedgerListOptions {
  after_seq?: number;
  limit?: number;
}

/** One tenant's ledger as callers use it (the plain shape of the LedgerDO stub; see `ledgerFor`). */
export interface Ledger {
  /**
   * Appends entries atomically and in order, resolving with their ids (`led_<seq>`) in the same order once stored;
   * throws for another tenant or a malformed input. Only ids cross the RPC: `get` or `list` read the entries.
   */
  append(tenant_id: string, inputs: LedgerEntryInput[]): Promise<string[]>;
  /** The newest stored entry's position. */
  head(): Promise<LedgerHead>;
  /** Entries in ascending seq after `after_seq` (default 0), `limit` of them (default 100, at most 1000). */
  list(opts?: LedgerListOptions): Promise<LedgerEntry[]>;
  /** The entry at `seq`, or null. */
  get(seq: number): Promise<LedgerEntry | null>;
  /** Recomputes the whole chain from storage. */
  verify(): Promise<LedgerVerification>;
  /** The last entry stamped before `before_iso` (an ISO instant), or the genesis when none was. */
  checkpoint(before_iso: string): Promise<LedgerCheckpoint>;
  /** The Merkle tree head of the first `size` entries (default all), or the ledger's size when it has fewer. */
  treeHead(size?: number): Promise<TreeHead | BeyondTree>;
  /** The audit path of entry `seq` in the tree of `size` entries (default all); needs 1 ≤ seq ≤ size. */
  inclusionProof(seq: number, size?: number): Promise<InclusionProof | BeyondTree>;
  /** The proof that the tree of `from` entries is a prefix of the tree of `to` (default all); needs from ≤ to. */
  consistencyProof(from: number, to?: number): Promise<ConsistencyProof | BeyondTree>;
}

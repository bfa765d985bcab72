import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { GENESIS, GENESIS_HASH, sealEntries, verifyChain, type ChainPosition, type SealedEntry } from "./chain";
import { parseAppendArgs } from "./entry-input.schema";
import { GroupCommit } from "./group-commit";
import {
  ENTRY_COLUMNS,
  ENTRY_TABLE_SQL,
  insertEntries,
  OUTCOME_INDEX_SQL,
  rowsAroundOutcome,
  rowToEntry,
  type EntryRow,
} from "./entry-row";
import { consistencyProof, inclusionProof, toBase64, treeRoot } from "./merkle";
import { outcomeInvocation, storedFor } from "./outcome-once";
import { TreeStore } from "./tree-store";
import type {
  BeyondTree,
  ConsistencyProof,
  InclusionProof,
  Ledger,
  LedgerCheckpoint,
  LedgerEntry,
  LedgerEntryInput,
  LedgerHead,
  LedgerListOptions,
  LedgerVerification,
  TreeHead,
} from "./types";

/** `list` returns this many entries unless asked otherwise. */
export const LIST_DEFAULT_LIMIT = 100;
/** `list` never returns more than this many entries. */
export const LIST_MAX_LIMIT = 1000;
const VERIFY_PAGE = 500;

const idsOf = (entries: readonly LedgerEntry[]): string[] => entries.map((entry) => entry.id);

/**
 * One tenant's append-only, hash-chained ledger (get it with `idFromName(tenant_id)`): the chain's single writer.
 * Entries live in the object's SQLite storage; methods are called over RPC on the stub.
 */
export class LedgerDO extends DurableObject<Env> implements Ledger {
  /** Stamps each append's `at`; tests replace it inside `runInDurableObject`. */
  clock: () => Date = () => new Date();
  /**
   * Whether each commit extends the Merkle tree too. Off, the tree lags and is built on its next read, as for a
   * ledger from before the tree; bench/ledger-tree.bench.ts turns it off to measure what the tree costs appends.
   */
  protected keepsTree = true;
  readonly #sql: SqlStorage;
  readonly #commits: GroupCommit<SealedEntry>;
  /** The Merkle tree over the committed entries (docs/ledger.md#the-merkle-tree). */
  readonly #tree: TreeStore;
  /** Whether the tree holds every committed entry; from then on each commit extends it in step (if it keeps it). */
  #treeCaughtUp = false;
  /** The newest entry, committed or waiting in #commits: where the next append chains from. */
  #tip: ChainPosition = GENESIS;
  #tenant: string | null = null;
  /** Appends of an outcome chained but not yet committed, by invocation: a retry of one waits for it. */
  readonly #uncommitted = new Map<string, { entries: LedgerEntry[]; committed: Promise<void> }>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(ENTRY_TABLE_SQL);
    this.#sql.exec(OUTCOME_INDEX_SQL);
    this.#tree = new TreeStore(this.#sql);
    this.#commits = new GroupCommit((batch) => this.#insert(batch));
    this.#loadTip();
  }

  /**
   * Appends `inputs` atomically and in order, resolving with the entries' ids once they are stored (concurrent
   * appends share one commit). Idempotent for outcomes: when `inputs` hold an `outcome` entry for an invocation that
   * already has one (stored, or waiting to commit), nothing is appended and the ids of the entries stored for
   * `inputs` are returned, so a caller may retry an append whose reply it lost. The first append fixes the tenant; a
   * different `tenant_id` later, or a malformed input, throws (a caller's bug).
   */
  async append(tenant_id: string, inputs: LedgerEntryInput[]): Promise<string[]> {
    const args = parseAppendArgs(tenant_id, inputs);
    if (this.#tenant !== null && this.#tenant !== args.tenant_id)
      throw new Error(`ledger belongs to tenant "${this.#tenant}", refused an append for "${args.tenant_id}"`);
    if (args.inputs.length === 0) return [];
    const invocation = outcomeInvocation(args.inputs);
    if (invocation !== null) {
      const waiting = this.#uncommitted.get(invocation);
      if (waiting) {
        await waiting.committed;
        return idsOf(storedFor(waiting.entries, args.inputs));
      }
      const stored = rowsAroundOutcome(this.#sql, invocation, args.inputs.length - 1);
      if (stored.length > 0) return idsOf(storedFor(stored.map(rowToEntry), args.inputs));
    }
    // No await from reading the tip to moving it: concurrent RPCs interleave only at awaits, so each append
    // chains from the previous one's entries and the chain stays gap-free.
    const sealed = sealEntries(this.#tip, args.tenant_id, this.clock().toISOString(), args.inputs);
    const entries = sealed.map((one) => one.entry);
    const last = entries[entries.length - 1]!;
    this.#tip = { seq: last.seq, hash: last.hash };
    this.#tenant = args.tenant_id;
    const committed = this.#commits.add(sealed);
    if (invocation !== null) {
      this.#uncommitted.set(invocation, { entries, committed });
      const forget = () => void this.#uncommitted.delete(invocation);
      committed.then(forget, forget);
    }
    await committed;
    // Ids only: every caller reads just these, and whole entries (bodies and all) cost a copy on each side of the RPC.
    return idsOf(entries);
  }

  /** The newest committed entry's seq and hash (seq 0 and 64 zeros while empty). */
  async head(): Promise<LedgerHead> {
    const last = this.#lastRow();
    return {
      tenant_id: last?.tenant_id ?? this.ctx.id.name ?? "",
      entries: last?.seq ?? 0,
      seq: last?.seq ?? 0,
      hash: last?.hash ?? GENESIS_HASH,
    };
  }

  /** Entries in ascending seq after `after_seq` (default 0), `limit` of them (default 100, at most 1000). */
  async list(opts: LedgerListOptions = {}): Promise<LedgerEntry[]> {
    const after = Math.max(0, Math.floor(opts.after_seq ?? 0));
    const limit = Math.min(LIST_MAX_LIMIT, Math.max(1, Math.floor(opts.limit ?? LIST_DEFAULT_LIMIT)));
    return this.#page(after, limit).map(rowToEntry);
  }

  /** The entry at `seq`, or null. */
  async get(seq: number): Promise<LedgerEntry | null> {
    const row = this.#sql.exec<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM ledger_entries WHERE seq = ?`, seq).toArray()[0];
    return row ? rowToEntry(row) : null;
  }

  /**
   * Recomputes every stored hash and link, a page at a time; `first_bad_seq` is the first entry whose seq,
   * prev_hash or hash is wrong. Removing the newest entries leaves a valid shorter chain: checkpoints catch that.
   */
  async verify(): Promise<LedgerVerification> {
    let position = GENESIS;
    let entries = 0;
    for (;;) {
      const rows = this.#page(position.seq, VERIFY_PAGE);
      if (rows.length === 0) return { ok: true, entries, first_bad_seq: null };
      const readable: LedgerEntry[] = [];
      let unreadable: EntryRow | undefined;
      for (const row of rows) {
        try {
          readable.push(rowToEntry(row));
        } catch {
          unreadable = row;
          break;
        }
      }
      const page = verifyChain(readable, position);
      const first_bad_seq = page.first_bad_seq ?? unreadable?.seq ?? null;
      if (first_bad_seq !== null) return { ok: false, entries: this.#count(), first_bad_seq };
      entries += page.entries;
      position = page.end;
    }
  }

  /**
   * The last committed entry stamped before `before_iso` (an ISO instant): its seq, hash and time, or seq 0 with the
   * genesis hash and `at` null when none was. A checkpoint of the chain at that instant (the weekly digest's: the
   * week's end, or now while the week runs). Throws for a `before_iso` that is not a date (a caller's bug).
   */
  async checkpoint(before_iso: string): Promise<LedgerCheckpoint> {
    const before = new Date(before_iso);
    if (Number.isNaN(before.getTime())) throw new Error(`checkpoint needs an ISO instant, got "${before_iso}"`);
    // Scans back from the newest entry and stops at the first one early enough: only entries stamped since
    // `before` are read, a week's worth at most for a digest.
    const row = this.#sql
      .exec<Pick<EntryRow, "seq" | "hash" | "at">>(
        "SELECT seq, hash, at FROM ledger_entries WHERE at < ? ORDER BY seq DESC LIMIT 1",
        before.toISOString(),
      )
      .toArray()[0];
    return row ? { seq: row.seq, hash: row.hash, at: row.at } : { seq: GENESIS.seq, hash: GENESIS_HASH, at: null };
  }

  /**
   * The Merkle tree head of the first `size` entries (default: every committed entry): its size and root hash, which
   * a signed checkpoint commits to. A size beyond the ledger's gets its current size instead.
   */
  async treeHead(size?: number): Promise<TreeHead | BeyondTree> {
    const tree_size = await this.#treeSize();
    const wanted = size ?? tree_size;
    if (wanted > tree_size) return { beyond: true, tree_size };
    return { tree_size: wanted, root_hash: toBase64(treeRoot(this.#tree.node, wanted)) };
  }

  /**
   * The audit path of the entry `seq` in the tree of the first `size` entries (default: every committed entry), RFC
   * 6962 §2.1.1, each hash in base64. Needs seq ≥ 1 (a caller's bug otherwise); a size beyond the ledger's, or a seq
   * beyond the size, gets the ledger's current size instead.
   */
  async inclusionProof(seq: number, size?: number): Promise<InclusionProof | BeyondTree> {
    const tree_size = await this.#treeSize();
    const wanted = size ?? tree_size;
    if (wanted > tree_size || seq > wanted) return { beyond: true, tree_size };
    const hashes = inclusionProof(this.#tree.node, seq - 1, wanted).map(toBase64);
    return { leaf_index: seq - 1, tree_size: wanted, hashes };
  }

  /**
   * The proof that the tree of `from` entries is a prefix of the tree of `to` (default: every committed entry), RFC
   * 6962 §2.1.2, each hash in base64. Needs from ≥ 0; a `to` beyond the ledger's size, or a `from` beyond `to`, gets
   * the ledger's current size instead.
   */
  async consistencyProof(from: number, to?: number): Promise<ConsistencyProof | BeyondTree> {
    const tree_size = await this.#treeSize();
    const wanted = to ?? tree_size;
    if (wanted > tree_size || from > wanted) return { beyond: true, tree_size };
    return { from, to: wanted, hashes: consistencyProof(this.#tree.node, from, wanted).map(toBase64) };
  }

  /**
   * The tree's size once it holds every committed entry. A ledger written before the tree existed builds it here, on
   * first use, a page per transaction, yielding between pages so appends go on meanwhile.
   */
  async #treeSize(): Promise<number> {
    if (this.#tree.damaged) throw new Error("the ledger's Merkle tree storage is damaged");
    // A ledger whose commits leave the tree behind catches it up on every read, not only the first.
    if (!this.keepsTree) this.#treeCaughtUp = false;
    while (!this.#treeCaughtUp) {
      try {
        this.#treeCaughtUp = this.ctx.storage.transactionSync(() => this.#tree.catchUpPage()) === 0;
      } catch (error) {
        this.#tree.reload();
        throw error;
      }
      if (!this.#treeCaughtUp) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return this.#tree.size;
  }

  /**
   * Writes one batch of appended entries, and the tree nodes they complete, in a single transaction; if it fails,
   * none is stored and the tip and tree return to what is stored. While the tree lags behind the entries (a ledger
   * from before the tree, until its first proof), the batch's leaves are left for that backfill.
   */
  #insert(batch: SealedEntry[]): void {
    try {
      this.ctx.storage.transactionSync(() => {
        insertEntries(this.#sql, batch);
        if (this.keepsTree && !this.#tree.damaged && this.#tree.size === batch[0]!.entry.seq - 1)
          this.#tree.extend(batch.map((sealed) => sealed.digest));
      });
    } catch (error) {
      this.#loadTip();
      this.#tree.reload();
      throw error;
    }
  }

  #loadTip(): void {
    const last = this.#lastRow();
    this.#tip = last ? { seq: last.seq, hash: last.hash } : GENESIS;
    this.#tenant = last?.tenant_id ?? null;
  }

  #lastRow(): Pick<EntryRow, "seq" | "hash" | "tenant_id"> | undefined {
    return this.#sql
      .exec<Pick<EntryRow, "seq" | "hash" | "tenant_id">>(
        "SELECT seq, hash, tenant_id FROM ledger_entries ORDER BY seq DESC LIMIT 1",
      )
      .toArray()[0];
  }

  #page(after_seq: number, limit: number): EntryRow[] {
    return this.#sql
      .exec<EntryRow>(
        `SELECT ${ENTRY_COLUMNS} FROM ledger_entries WHERE seq > ? ORDER BY seq LIMIT ?`,
        after_seq,
        limit,
      )
      .toArray();
  }

  #count(): number {
    return this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM ledger_entries").one().n;
  }
}

import { Buffer } from "node:buffer";
import { insertRows } from "./insert-rows";
import { entryLeafHash, leafHash, nodeHash, type Hash, type NodeSource } from "./merkle";

/**
 * The Merkle tree over a ledger's entries, kept in the ledger Durable Object's SQLite storage beside them: the hash
 * of every complete perfect subtree of two or more leaves, by (level, index). A leaf (level 0) is not stored: it is
 * computed from its entry's `hash` (leaf i is the entry with seq i + 1). So an append stores about one node per
 * entry, and any tree size's root or proof needs O(log n) reads (src/ledger/merkle.ts).
 */
export const TREE_TABLE_SQL = `CREATE TABLE IF NOT EXISTS ledger_tree (
  level INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hash BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID`;

/** How many leaves the stored tree holds; one row. Entries beyond it are not in the tree yet (see `catchUp`). */
export const TREE_SIZE_TABLE_SQL = `CREATE TABLE IF NOT EXISTS ledger_tree_size (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  size INTEGER NOT NULL
)`;

/** Entries a backfill reads and adds to the tree per transaction. */
export const BACKFILL_PAGE = 10_000;

/**
 * One ledger's tree: its size, the roots of the perfect subtrees that make it up (the right edge, held in memory so
 * an append reads nothing), and the {@link NodeSource} proofs are built from. Writes happen inside the caller's
 * transaction; after a failed one the caller calls {@link TreeStore.reload}.
 */
export class TreeStore {
  readonly #sql: SqlStorage;
  #size = 0;
  /** frontier[level]: the root of the perfect subtree of 2^level leaves at the tree's right edge, if size has that bit. */
  #frontier: (Hash | undefined)[] = [];
  #damaged = false;

  readonly #page: number;

  /** `page`: how many entries {@link TreeStore.catchUpPage} adds at most. */
  constructor(sql: SqlStorage, page = BACKFILL_PAGE) {
    this.#sql = sql;
    this.#page = page;
    sql.exec(TREE_TABLE_SQL);
    sql.exec(TREE_SIZE_TABLE_SQL);
    this.reload();
  }

  /** The number of leaves in the stored tree. */
  get size(): number {
    return this.#size;
  }

  /** Re-reads the size and the right edge from storage (after a transaction that extended the tree failed). */
  reload(): void {
    const row = this.#sql.exec<{ size: number }>("SELECT size FROM ledger_tree_size WHERE id = 1").toArray()[0];
    this.#size = row?.size ?? 0;
    this.#frontier = [];
    let at = 0;
    try {
      for (let level = 52; level >= 0; level--) {
        if (Math.floor(this.#size / 2 ** level) % 2 === 0) continue;
        this.#frontier[level] = this.node(level, at / 2 ** level);
        at += 2 ** level;
      }
      this.#damaged = false;
    } catch {
      // Only altered storage lacks a node the tree's size says is there. The ledger keeps taking appends (the chain
      // and its verification do not need the tree); proofs throw until the storage is repaired.
      this.#damaged = true;
    }
  }

  /** Whether the stored tree lacks a node its size implies (altered storage): it is then neither read nor extended. */
  get damaged(): boolean {
    return this.#damaged;
  }

  /**
   * Adds the entries whose hashes are these 32-byte digests as the next leaves (their seqs must follow `size`),
   * storing each perfect subtree they complete and the new size. Call inside the transaction that stores the entries.
   */
  extend(entryDigests: readonly Uint8Array[]): void {
    const nodes: [level: number, idx: number, hash: ArrayBuffer][] = [];
    for (const digest of entryDigests) {
      let hash = leafHash(digest);
      let level = 0;
      const leaf = this.#size;
      // Each completed pair at a level becomes a node one level up, as in binary addition with carries.
      for (let left = this.#frontier[level]; left !== undefined; left = this.#frontier[level]) {
        hash = nodeHash(left, hash);
        this.#frontier[level] = undefined;
        level++;
        // A fresh digest owns exactly its 32-byte buffer: SQLite stores that as the BLOB, with no copy.
        nodes.push([level, Math.floor(leaf / 2 ** level), hash.buffer as ArrayBuffer]);
      }
      this.#frontier[level] = hash;
      this.#size++;
    }
    // The group's nodes in a few multi-row statements and its size once: an append of k entries writes the tree once.
    insertRows(this.#sql, "ledger_tree", ["level", "idx", "hash"], nodes);
    this.#sql.exec(
      "INSERT INTO ledger_tree_size (id, size) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET size = excluded.size",
      this.#size,
    );
  }

  /**
   * Adds up to a page of stored entries beyond the tree's size to it (a ledger written before the tree
   * existed builds it this way). Returns how many it added: 0 when the tree holds every stored entry. Call inside a
   * transaction.
   */
  catchUpPage(): number {
    const hashes = this.#sql
      .exec<{ hash: string }>(
        "SELECT hash FROM ledger_entries WHERE seq > ? ORDER BY seq LIMIT ?",
        this.#size,
        this.#page,
      )
      .toArray()
      .map((row) => Buffer.from(row.hash, "hex"));
    if (hashes.length > 0) this.extend(hashes);
    return hashes.length;
  }

  /** The stored tree's nodes, for proofs and roots of any size up to {@link TreeStore.size}. */
  readonly node: NodeSource = (level, index) => {
    if (level === 0) {
      const row = this.#sql
        .exec<{ hash: string }>("SELECT hash FROM ledger_entries WHERE seq = ?", index + 1)
        .toArray()[0];
      if (!row) throw new Error(`ledger tree: no entry for leaf ${index}`);
      return entryLeafHash(row.hash);
    }
    const row = this.#sql
      .exec<{ hash: ArrayBuffer }>("SELECT hash FROM ledger_tree WHERE level = ? AND idx = ?", level, index)
      .toArray()[0];
    if (!row) throw new Error(`ledger tree: no node at level ${level}, index ${index}`);
    return new Uint8Array(row.hash);
  };
}

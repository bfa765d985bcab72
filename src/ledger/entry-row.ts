import type { JsonValue } from "./canonical";
import type { SealedEntry } from "./chain";
import { insertRows } from "./insert-rows";
import type { LedgerEntry, LedgerEntryKind } from "./types";

/** The ledger's table in the Durable Object's SQLite storage; `body` holds canonical JSON text. */
export const ENTRY_TABLE_SQL = `CREATE TABLE IF NOT EXISTS ledger_entries (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  at TEXT NOT NULL,
  kind TEXT NOT NULL,
  invocation_id TEXT,
  body TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
)`;

/**
 * Finds an invocation's `outcome` entry in one index probe, so an append can tell it is a retry (idempotent outcome
 * appends). Partial: only outcome entries are indexed, so other appends pay nothing for it. IF NOT EXISTS builds it in
 * objects created before it existed.
 */
export const OUTCOME_INDEX_SQL = `CREATE INDEX IF NOT EXISTS ledger_entries_outcome
  ON ledger_entries (invocation_id) WHERE kind = 'outcome'`;

/** Columns in the order {@link insertEntries} binds them. */
export const ENTRY_COLUMNS = "seq, id, tenant_id, at, kind, invocation_id, body, prev_hash, hash";
const COLUMN_NAMES = ENTRY_COLUMNS.split(", ");

/** One stored row, as SQLite returns it. */
export type EntryRow = {
  seq: number;
  id: string;
  tenant_id: string;
  at: string;
  kind: string;
  invocation_id: string | null;
  body: string;
  prev_hash: string;
  hash: string;
};

/** Writes chained entries as rows, in order, each body as the canonical JSON it was hashed with; few statements. */
export function insertEntries(sql: SqlStorage, sealed: readonly SealedEntry[]): void {
  insertRows(
    sql,
    "ledger_entries",
    COLUMN_NAMES,
    sealed.map(({ entry, body_json }) => [
      entry.seq,
      entry.id,
      entry.tenant_id,
      entry.at,
      entry.kind,
      entry.invocation_id,
      body_json,
      entry.prev_hash,
      entry.hash,
    ]),
  );
}

/** The entry a row stores; throws when its body is not JSON (only a tampered row has that). */
export function rowToEntry(row: EntryRow): LedgerEntry {
  return {
    id: row.id,
    seq: row.seq,
    tenant_id: row.tenant_id,
    at: row.at,
    // The kind was checked on append; a tampered kind is caught by the hash, not here.
    kind: row.kind as LedgerEntryKind,
    invocation_id: row.invocation_id,
    body: JSON.parse(row.body) as { [key: string]: JsonValue },
    prev_hash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * The stored rows near `invocation_id`'s outcome entry that could share its append: the invocation's rows within
 * `reach` seqs either side of it (one append's entries are consecutive). Empty when the invocation has no outcome.
 */
export function rowsAroundOutcome(sql: SqlStorage, invocation_id: string, reach: number): EntryRow[] {
  const outcome = sql
    .exec<{ seq: number }>("SELECT seq FROM ledger_entries WHERE invocation_id = ? AND kind = 'outcome'", invocation_id)
    .toArray()[0];
  if (!outcome) return [];
  return sql
    .exec<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM ledger_entries WHERE seq BETWEEN ? AND ? AND invocation_id = ? ORDER BY seq`,
      outcome.seq - reach,
      outcome.seq + reach,
      invocation_id,
    )
    .toArray();
}

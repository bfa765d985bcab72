import { canonicalJson, type JsonValue } from "./canonical";
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

/** Columns in the order {@link insertEntry} binds them. */
export const ENTRY_COLUMNS = "seq, id, tenant_id, at, kind, invocation_id, body, prev_hash, hash";

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

/** Writes one entry as a row. */
export function insertEntry(sql: SqlStorage, entry: LedgerEntry): void {
  sql.exec(
    `INSERT INTO ledger_entries (${ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    entry.seq,
    entry.id,
    entry.tenant_id,
    entry.at,
    entry.kind,
    entry.invocation_id,
    canonicalJson(entry.body),
    entry.prev_hash,
    entry.hash,
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

/**
 * Multi-row INSERTs within a Durable Object's SQL limits: a group commit writes hundreds of entries and tree nodes,
 * and one statement per row paid a call into SQLite per row. Most of an insert is SQLite storing the row, so this
 * saves a modest share (5 to 10% of inserting 20,000 entry rows in local workerd), not most of it.
 */

/** Durable Object SQLite binds at most this many parameters per statement (its documented limits page). */
export const MAX_BOUND_PARAMETERS = 100;

// Full chunks share one text, so workerd's statement cache prepares it once; only a group's last chunk differs.
function statement(table: string, columns: readonly string[], rows: number): string {
  const row = `(${columns.map(() => "?").join(", ")})`;
  return `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${Array.from({ length: rows }, () => row).join(", ")}`;
}

/**
 * Inserts `rows` (each the values of `columns`, in order) into `table` in as few statements as the parameter limit
 * allows, in row order. Throws as SQLite does (a duplicate key, a type); call inside a transaction so a failure
 * stores none of them.
 *
 * @example insertRows(sql, "ledger_tree", ["level", "idx", "hash"], [[1, 0, h01], [1, 1, h23]])
 */
export function insertRows(
  sql: SqlStorage,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly SqlStorageValue[])[],
): void {
  const perStatement = Math.floor(MAX_BOUND_PARAMETERS / columns.length);
  for (let at = 0; at < rows.length; at += perStatement) {
    const chunk = rows.slice(at, at + perStatement);
    sql.exec(statement(table, columns, chunk.length), ...chunk.flat());
  }
}

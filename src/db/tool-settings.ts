/**
 * The settings a person keeps per tool in the Tools database, as D1 `tool_settings` holds them, and the Worker's
 * bookkeeping of the Tools catalog rows it writes back. The sync's statements are returned unrun: it applies them in
 * its batches.
 */

/** The Cost a person set for `tool` in the tenant's Tools database, in cents (null: none set). */
export async function toolCostCents(db: D1Database, tenant_id: string, tool: string): Promise<number | null> {
  const row = await db
    .prepare("SELECT cost_cents FROM tool_settings WHERE tenant_id = ? AND tool = ?")
    .bind(tenant_id, tool)
    .first<{ cost_cents: number | null }>();
  return row?.cost_cents ?? null;
}

/** What a person set for a tool in the Tools database. */
export interface ToolSetting {
  tool: string;
  page_id: string;
  risk: string | null;
  cost_cents: number | null;
  runbook_page_id: string | null;
}

/** A tool's Tools row as the catalog write-back last left it. */
export interface CatalogState {
  tool: string;
  page_id: string | null;
  written_hash: string | null;
}

/** The statement that stores what a person set for a tool. */
export function toolSettingStatement(db: D1Database, tenant_id: string, setting: ToolSetting): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO tool_settings (tenant_id, tool, page_id, risk, cost_cents, runbook_page_id) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (tenant_id, tool) DO UPDATE SET page_id = excluded.page_id, risk = excluded.risk,
       cost_cents = excluded.cost_cents, runbook_page_id = excluded.runbook_page_id`,
    )
    .bind(tenant_id, setting.tool, setting.page_id, setting.risk, setting.cost_cents, setting.runbook_page_id);
}

/** The statement that unlinks a tool from its deleted Tools row, so the catalog writes the row again. */
export function unlinkToolPageStatement(
  db: D1Database,
  tenant_id: string,
  tool: string,
  page_id: string,
): D1PreparedStatement {
  return db
    .prepare(
      "UPDATE tool_settings SET page_id = NULL, written_hash = NULL WHERE tenant_id = ? AND tool = ? AND page_id = ?",
    )
    .bind(tenant_id, tool, page_id);
}

/** Every tool's Tools row as the catalog write-back last left it. */
export async function catalogStates(db: D1Database, tenant_id: string): Promise<CatalogState[]> {
  const { results } = await db
    .prepare("SELECT tool, page_id, written_hash FROM tool_settings WHERE tenant_id = ?")
    .bind(tenant_id)
    .all<CatalogState>();
  return results;
}

/** Records `marker` as the tool's written hash before its row is created (a create whose answer may be lost). */
export async function markCatalogCreate(db: D1Database, tenant_id: string, tool: string, marker: string) {
  await db
    .prepare(
      `INSERT INTO tool_settings (tenant_id, tool, written_hash) VALUES (?, ?, ?)
         ON CONFLICT (tenant_id, tool) DO UPDATE SET written_hash = excluded.written_hash`,
    )
    .bind(tenant_id, tool, marker)
    .run();
}

/** Records the tool's Tools row and the hash of the catalog columns written to it. */
export async function recordCatalogWrite(
  db: D1Database,
  tenant_id: string,
  tool: string,
  page_id: string,
  hash: string,
): Promise<void> {
  await db
    .prepare("UPDATE tool_settings SET page_id = ?, written_hash = ? WHERE tenant_id = ? AND tool = ?")
    .bind(page_id, hash, tenant_id, tool)
    .run();
}

/** The settings a person keeps per tool in the Tools database, as D1 `tool_settings` holds them. */

/** The Cost a person set for `tool` in the tenant's Tools database, in cents (null: none set). */
export async function toolCostCents(db: D1Database, tenant_id: string, tool: string): Promise<number | null> {
  const row = await db
    .prepare("SELECT cost_cents FROM tool_settings WHERE tenant_id = ? AND tool = ?")
    .bind(tenant_id, tool)
    .first<{ cost_cents: number | null }>();
  return row?.cost_cents ?? null;
}

/** Whether an agent with this id exists, in any tenant. */
export async function agentExists(db: D1Database, agent_id: string): Promise<boolean> {
  return (await db.prepare("SELECT id FROM agents WHERE id = ?").bind(agent_id).first()) !== null;
}

/**
 * Leaves the agent exactly one active key, the one hashing to `key_hash`: revokes its others and reactivates that
 * one. False when the agent has no such key on file (nothing is reactivated; its other keys stay revoked).
 */
export async function keepOnlyKey(db: D1Database, agent_id: string, key_hash: string, now: string): Promise<boolean> {
  await db
    .prepare("UPDATE api_keys SET revoked_at = ? WHERE agent_id = ? AND key_hash != ? AND revoked_at IS NULL")
    .bind(now, agent_id, key_hash)
    .run();
  const reactivated = await db
    .prepare("UPDATE api_keys SET revoked_at = NULL WHERE key_hash = ? AND agent_id = ?")
    .bind(key_hash, agent_id)
    .run();
  return reactivated.meta.changes > 0;
}

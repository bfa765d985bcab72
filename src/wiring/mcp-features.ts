import { activeRunbooks, insertFeatureRead } from "../db/feature-reads";
import { isLocal, secretsOf, type Env } from "../env";
import { upstreamFeatures } from "../hosts";
import { newId } from "../ids";
import type { McpFeatures } from "../mcp/features";

/**
 * The ports resources and prompts are served from in the Worker, for one tenant: its upstream hosts (private
 * addresses under local dev only, as for tool calls), its runbooks in D1, and reads recorded after the response.
 */
export function mcpFeatures(env: Env, ctx: Pick<ExecutionContext, "waitUntil">, tenant_id: string): McpFeatures {
  return {
    upstreams: upstreamFeatures(
      { db: env.DB, secrets: secretsOf(env), policy: { allowPrivate: isLocal(env) } },
      tenant_id,
    ),
    runbooks: () => activeRunbooks(env.DB, tenant_id),
    recordRead(read) {
      const row = { ...read, id: newId("read"), created_at: new Date().toISOString() };
      ctx.waitUntil(
        insertFeatureRead(env.DB, row).catch((error) =>
          console.error(`read ${row.id} not recorded: ${error instanceof Error ? error.name : "error"}`),
        ),
      );
    },
  };
}

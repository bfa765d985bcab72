import type { Env } from "../env";
import { hostRegistryFor } from "../hosts";
import { newId } from "../ids";
import { ledgerFor } from "../ledger";
import type { ProposeDeps } from "./propose";

/** What checking, proposing and accepting a tenant's candidate snapshots needs, built from the Worker's bindings. */
export function releaseDepsFor(env: Env, tenant_id: string): ProposeDeps {
  const hosts = hostRegistryFor(env);
  return {
    db: env.DB,
    tool: async (tenant, name) => (await hosts.resolve(tenant, name))?.descriptor ?? null,
    ledger: ledgerFor(env, tenant_id),
    newId,
    now: () => new Date(),
  };
}

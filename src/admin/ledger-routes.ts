import { Hono } from "hono";
import { pendingOutcomeCount } from "../db/ledger-outbox";
import { ledgerFor } from "../ledger";
import { limitOf, type AdminEnv } from "./request";
import { tenantScope } from "./tenant-scope";

/**
 * The admin API's ledger: the tenant's entries a page at a time with the head, and verifying the chain (with
 * `pending_outcomes`, the outcomes still waiting in the outbox for the ledger, when there are any).
 */
export function ledgerAdminRoutes() {
  const admin = new Hono<AdminEnv>();

  admin.get("/ledger", tenantScope(), async (c) => {
    const tenant = c.get("tenant");
    const ledger = ledgerFor(c.env, tenant.id);
    const after_seq = Number(c.req.query("after_seq") ?? 0);
    const [head, entries] = await Promise.all([
      ledger.head(),
      ledger.list({
        after_seq: Number.isInteger(after_seq) && after_seq >= 0 ? after_seq : 0,
        limit: limitOf(c, 100, 1000),
      }),
    ]);
    // Entry bodies are arbitrary JSON: hono's response-type inference would recurse over them without end.
    return c.json({ tenant: tenant.id, head, entries } as Record<string, unknown>);
  });
  admin.get("/ledger/verify", tenantScope(), async (c) => {
    const tenant_id = c.get("tenant").id;
    const [verification, pending_outcomes] = await Promise.all([
      ledgerFor(c.env, tenant_id).verify(),
      pendingOutcomeCount(c.env.DB, tenant_id),
    ]);
    // Only when some wait: the chain's verification keeps its shape for every tenant whose outcomes are all recorded.
    return c.json(pending_outcomes > 0 ? { ...verification, pending_outcomes } : verification);
  });

  return admin;
}

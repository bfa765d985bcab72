import { z } from "zod";

/**
 * A `policy_sync` entry's body, version 1: a new policy snapshot, written before it takes effect. Lists are page ids
 * of the Policies database.
 */
export const policySyncV1Schema = z.strictObject({
  snapshot: z.string(),
  /** The snapshot it replaces; null for a tenant's first. */
  previous: z.string().nullable(),
  /** Every row in force, by page and Policy ID. */
  policies: z.array(z.strictObject({ page_id: z.string(), policy_id: z.string() })),
  changed: z.array(z.string()),
  rejected: z.array(z.string()),
  removed: z.array(z.string()),
});

/** A `policy_sync` entry's body, version 1. */
export type PolicySyncBodyV1 = z.infer<typeof policySyncV1Schema>;

import { z } from "zod";

/**
 * A `release` entry's body, version 1: a candidate policy snapshot was checked (golden tasks, replay of recorded
 * calls) and goes `live` or is `held` for a person; written before a live snapshot takes effect. Rows are Policy IDs.
 */
export const releaseV1Schema = z.strictObject({
  release_id: z.string(),
  snapshot: z.string(),
  /** The snapshot in force when it was checked; null for a tenant's first. */
  previous: z.string().nullable(),
  source: z.enum(["admin", "notion", "rollback"]),
  status: z.enum(["live", "held"]),
  changed_rows: z.strictObject({
    added: z.array(z.string()),
    removed: z.array(z.string()),
    modified: z.array(z.string()),
  }),
  /** Golden tasks checked, and the names of those that failed. */
  golden: z.strictObject({ passed: z.number().int(), failed: z.array(z.string()) }),
  replay: z.strictObject({ calls: z.number().int(), changed: z.number().int(), indeterminate: z.number().int() }),
  /** Why a held release is held; null when live. */
  held_because: z.string().nullable(),
});

/** A `release` entry's body, version 1. */
export type ReleaseBodyV1 = z.infer<typeof releaseV1Schema>;

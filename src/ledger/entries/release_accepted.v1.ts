import { z } from "zod";

/**
 * A `release_accepted` entry's body, version 1: a person accepted a held release, whose snapshot takes effect after
 * this entry; `reason` is redacted like every recorded text.
 */
export const releaseAcceptedV1Schema = z.strictObject({
  release_id: z.string(),
  snapshot: z.string(),
  /** The snapshot it replaces. */
  previous: z.string().nullable(),
  accepted_by: z.string(),
  reason: z.string(),
});

/** A `release_accepted` entry's body, version 1. */
export type ReleaseAcceptedBodyV1 = z.infer<typeof releaseAcceptedV1Schema>;

import { z } from "zod";
import { guardHitV1 } from "./decision.v1";

/**
 * An `outcome` entry's body, version 1: how one tool call ended, with a hash of the host's result (never the
 * result itself). Appended last for every call.
 */
export const outcomeV1Schema = z.strictObject({
  outcome: z.enum(["succeeded", "denied", "pending_approval", "failed", "invalid"]),
  status: z.enum(["authorized", "action_required", "denied", "failed", "invalid"]),
  error_code: z.string().nullable(),
  denial_code: z.string().nullable(),
  escalation_id: z.string().nullable(),
  host_ref: z.string().nullable(),
  /** `sha256:` of the result's canonical JSON, `unhashable` if hashing failed (results are bounded before, so it should not), null when nothing succeeded. */
  data_hash: z.string().nullable(),
  /** Present when content guards checked the host's result and were hit. */
  guards: z.array(guardHitV1).optional(),
});

/** An `outcome` entry's body, version 1. */
export type OutcomeBodyV1 = z.infer<typeof outcomeV1Schema>;

import { z } from "zod";

/** What a policy row does when it matches (src/policy/types.ts PolicyMode), as entries record it. */
export const policyModeV1 = z.enum(["block", "pause", "redact", "alert", "log"]);

/** A Shadow row that matched: what it would have done (src/policy/types.ts ShadowResult). */
const shadowHitV1 = z.strictObject({
  policy_id: z.string(),
  policy_name: z.string(),
  would: policyModeV1,
  reason_code: z.string(),
});

/** A condition or cost expression that failed at run time (src/policy/types.ts ConditionError). */
const conditionErrorV1 = z.strictObject({ policy_id: z.string(), error: z.string() });

/** Where the recorded arguments were redacted (src/redaction/types.ts Redaction). */
const redactionV1 = z.strictObject({ path: z.string(), detector: z.string(), count: z.number().int().nonnegative() });

/** A privacy or content guard that was hit: where, never the matched text (src/guards/screen.ts GuardHit). */
export const guardHitV1 = z.strictObject({
  policy_id: z.string(),
  type: z.enum(["privacy", "content"]),
  mode: policyModeV1,
  found: z.array(z.string()),
});

/** One budget cap the call was reserved against (src/guards/budget.ts CostLine, without its key and policy). */
const budgetLineV1 = z.strictObject({
  policy_id: z.string(),
  scope: z.enum(["run", "agent", "scope", "workspace"]),
  subject: z.string(),
  window: z.enum(["run", "day", "week", "month"]),
  unit: z.enum(["usd_cents", "calls"]),
  amount: z.number().nonnegative(),
  limit: z.number().nonnegative(),
});

/**
 * How a call's caller facts were verified (src/pipeline/caller-facts.ts): how the caller proved itself, the person
 * acted for (redacted as records are) and what verified it, the workspace, and whether the run was minted.
 */
export const callerV1 = z.strictObject({
  via: z.enum(["token", "key"]),
  person: z.string().nullable(),
  person_verified_by: z.enum(["token", "acts_for", "owner", "none"]),
  workspace: z.string().nullable(),
  run: z.enum(["minted", "none"]),
});

/** How a call's caller facts were verified. */
export type CallerRecord = z.infer<typeof callerV1>;

/**
 * A `decision` entry's body, version 1: what was decided about one tool call and everything that decided it.
 * Appended before the host runs when the call is authorized, with the outcome otherwise.
 */
export const decisionV1Schema = z.strictObject({
  agent_id: z.string(),
  /** The tool as requested (cut at 200 characters). */
  tool: z.string(),
  capability_version: z.string().nullable(),
  /** `sha256:` of the canonical arguments; null when they never validated. */
  args_hash: z.string().nullable(),
  decision: z.enum(["authorized", "escalated", "denied", "invalid"]),
  reason_code: z.string(),
  /** The policies that decided, strongest first: at most 50 on entries that carry `policy_count`. */
  policy_ids: z.array(z.string()),
  /**
   * How many policies decided; more than `policy_ids` lists when the list is cut. Absent on entries written before
   * it was kept, whose `policy_ids` lists every one.
   */
  policy_count: z.number().int().nonnegative().optional(),
  /** Hash of the policy snapshot that decided, `sha256:…`. */
  snapshot: z.string(),
  shadow: z.array(shadowHitV1),
  alerts: z.array(z.string()),
  condition_errors: z.array(conditionErrorV1),
  /** Compliance tags of every active row that matched: what evidence exports select on. */
  tags: z.array(z.string()),
  redactions: z.array(redactionV1),
  guards: z.array(guardHitV1),
  budget: z.array(budgetLineV1),
  escalation_id: z.string().nullable(),
  /** Present on a call authorized by an approval: who approved it. */
  approved_by: z.string().nullable().optional(),
  client_id: z.string().nullable(),
  /**
   * Present on calls decided since callers' facts are verified: how they were (absent on older entries and on calls
   * refused before they were verified).
   */
  caller: callerV1.optional(),
  correlation: z.strictObject({
    correlation_id: z.string().nullable(),
    session_id: z.string().nullable(),
    run_id: z.string().nullable(),
  }),
});

/** A `decision` entry's body, version 1. */
export type DecisionBodyV1 = z.infer<typeof decisionV1Schema>;

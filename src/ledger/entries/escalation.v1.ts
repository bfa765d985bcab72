import { z } from "zod";

/** Every escalation event names its escalation and the held call's agent and tool. */
const about = { escalation_id: z.string(), agent_id: z.string(), tool: z.string() };
const decisionV1 = z.enum(["approved", "denied"]);

/**
 * An `escalation` entry's body, version 1: one event in an escalation's life, told apart by `event`.
 * `opened` (a call was held), `decided` (an approver decided, in Notion or by break-glass through the admin API
 * while Notion was unreachable: `via` and `reason` say so), `decision_unattributed` (the poll saw a
 * decision nobody can be named for; it does not count), `expired` (nobody decided in time), `executed` (the
 * approved call ran, once).
 */
export const escalationV1Schema = z.discriminatedUnion("event", [
  z.strictObject({
    ...about,
    event: z.literal("opened"),
    args_hash: z.string(),
    reason_code: z.string(),
    /** The policies that held the call, strongest first: at most 50 on entries that carry `policy_count`. */
    policy_ids: z.array(z.string()),
    /** How many policies held the call; absent on entries written before it was kept, whose list is whole. */
    policy_count: z.number().int().nonnegative().optional(),
    approvers: z.array(z.string()),
    expires_at: z.string(),
  }),
  z.strictObject({
    ...about,
    event: z.literal("decided"),
    decision: decisionV1,
    decided_by: z.string(),
    /** What told Policy OS of the decision: a Notion webhook, the poll, or the admin API (break-glass). */
    source: z.enum(["webhook", "poll", "admin"]),
    /** Where the decision was taken; absent on entries of decisions taken in Notion. */
    via: z.enum(["notion", "break_glass"]).optional(),
    /** The break-glass decider's reason, redacted. */
    reason: z.string().optional(),
  }),
  z.strictObject({
    ...about,
    event: z.literal("decision_unattributed"),
    decision: decisionV1,
    /** The Notion user who last edited the page (not necessarily who set the Decision). */
    last_edited_by: z.string(),
    source: z.literal("poll"),
  }),
  z.strictObject({ ...about, event: z.literal("expired"), expires_at: z.string() }),
  z.strictObject({
    ...about,
    event: z.literal("executed"),
    approved_by: z.string().nullable(),
    executed_at: z.string().nullable(),
  }),
]);

/** An `escalation` entry's body, version 1 (one variant per `event`). */
export type EscalationBodyV1 = z.infer<typeof escalationV1Schema>;

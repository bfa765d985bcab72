/** Golden tasks: named calls with the decision a tenant expects; every candidate snapshot must still give it. */
import { z } from "zod";
import { decide, type PolicySnapshot } from "../policy";
import type { DecisionRequest } from "../policy/types";

const VERDICTS = ["authorized", "escalated", "denied"] as const;

/** A golden task as an admin, the CLI or the Golden tasks database sets it. */
export const goldenTaskInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).describe("Unique per tenant: names the task in reports"),
  tool: z.string().min(1).max(200).describe("The tool called, `host.tool`"),
  arguments: z.record(z.string(), z.unknown()).default({}).describe("The call's arguments (a JSON object)"),
  agent: z.string().min(1).max(200).describe("The calling agent's name or id"),
  acts_for: z.string().min(1).max(200).nullable().default(null).describe("The person the agent acts for"),
  workspace: z.string().min(1).max(200).nullable().default(null).describe("The workspace the call names"),
  expected: z.enum(VERDICTS).describe("The decision the task expects"),
  expected_reason: z.string().min(1).max(200).nullable().default(null).describe("The reason code it expects"),
  status: z.enum(["active", "paused"]).default("active").describe("Paused tasks are not checked"),
});

/** A golden task's settings. */
export type GoldenTaskInput = z.infer<typeof goldenTaskInputSchema>;

/** What one check of a golden task gave. */
export interface GoldenResult {
  name: string;
  expected: (typeof VERDICTS)[number];
  expected_reason: string | null;
  /** The candidate's verdict, or `unresolved` when the task's agent, tool or caller facts could not be resolved. */
  got: (typeof VERDICTS)[number] | "unresolved";
  reason_code: string;
  passed: boolean;
}

/** A stored golden task: its settings and its last result. */
export interface GoldenTask extends GoldenTaskInput {
  last_result: (GoldenResult & { release_id: string | null; snapshot: string; at: string }) | null;
  updated_at: string;
}

/** A task ready to decide (its request built from the tenant's agent and tool catalog), or why it is not. */
export type GoldenCall =
  { task: GoldenTaskInput; request: DecisionRequest } | { task: GoldenTaskInput; unresolved: string };

/**
 * Decides each task against `snapshot`. A task passes when its verdict (and its reason code, when it names one)
 * is the expected one; a task that could not be resolved fails with its reason as the reason code (fail closed).
 */
export function checkGolden(calls: readonly GoldenCall[], snapshot: PolicySnapshot): GoldenResult[] {
  return calls.map((call) => {
    const { name, expected, expected_reason } = call.task;
    if ("unresolved" in call)
      return { name, expected, expected_reason, got: "unresolved", reason_code: call.unresolved, passed: false };
    const decision = decide(snapshot, call.request);
    const passed =
      decision.decision === expected && (expected_reason === null || decision.reason_code === expected_reason);
    return { name, expected, expected_reason, got: decision.decision, reason_code: decision.reason_code, passed };
  });
}

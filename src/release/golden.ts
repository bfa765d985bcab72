/** Golden tasks: named calls with the decision a tenant expects; every candidate snapshot must still give it. */
import { z } from "zod";
import { GOLDEN_VERDICTS, type GoldenResult, type GoldenTaskSettings } from "../db/golden-tasks";
import type { Agent, Tenant } from "../db/tenancy";
import type { ToolDescriptor } from "../hosts/host";
import { callerFacts } from "../pipeline/caller-facts";
import { decide, type PolicySnapshot } from "../policy";
import type { DecisionRequest } from "../policy/types";

/** A golden task as an admin or the CLI sets it (the boundary schema). */
export const goldenTaskSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).describe("Unique per tenant: names the task in reports"),
  tool: z.string().min(1).max(200).describe("The tool called, `host.tool`"),
  arguments: z.record(z.string(), z.unknown()).default({}).describe("The call's arguments (a JSON object)"),
  agent: z.string().min(1).max(200).describe("The calling agent's name or id"),
  acts_for: z.string().min(1).max(200).nullable().default(null).describe("The person the agent acts for"),
  workspace: z.string().min(1).max(200).nullable().default(null).describe("The workspace the call names"),
  expected: z.enum(GOLDEN_VERDICTS).describe("The decision the task expects"),
  expected_reason: z.string().min(1).max(200).nullable().default(null).describe("The reason code it expects"),
  status: z.enum(["active", "paused"]).default("active").describe("Paused tasks are not checked"),
}) satisfies z.ZodType<GoldenTaskSettings, unknown>;

/** A task ready to decide, or why it cannot be (its agent or tool is unknown, its caller facts are refused). */
export type GoldenCall =
  { task: GoldenTaskSettings; request: DecisionRequest } | { task: GoldenTaskSettings; unresolved: string };

/**
 * The request decide() gets for a task, built as the pipeline builds a call's: the agent found by id or name, the
 * tool's catalog entry, the person and workspace verified like a call's `_meta` claims (caller-facts.ts).
 */
export function goldenCallOf(
  task: GoldenTaskSettings,
  tenant: Tenant,
  agents: readonly Agent[],
  descriptor: ToolDescriptor | null,
  now: string,
): GoldenCall {
  const agent = agents.find((a) => a.id === task.agent) ?? agents.find((a) => a.name === task.agent);
  if (!agent) return { task, unresolved: "golden_agent_unknown" };
  if (!descriptor) return { task, unresolved: "golden_tool_unknown" };
  const claims = {
    ...(task.acts_for === null ? {} : { on_behalf_of: task.acts_for }),
    ...(task.workspace === null ? {} : { workspace: task.workspace }),
  };
  const verified = callerFacts({ tenant, agent, proof: { via: "key" } }, claims, null);
  if (!verified.ok) return { task, unresolved: verified.refusal.code };
  return {
    task,
    request: {
      tool: { name: descriptor.name, host: descriptor.host, annotations: descriptor.annotations },
      agent: { id: agent.id, name: agent.name, owner: agent.owner, scopes: agent.scopes },
      args: task.arguments,
      context: {
        user: verified.facts.user,
        workspace: verified.facts.workspace,
        correlation_id: null,
        session_id: null,
        run_id: null,
        now,
      },
    },
  };
}

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

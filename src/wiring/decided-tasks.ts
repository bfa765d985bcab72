import { snapshotFor } from "../db/policies";
import { principalOfAgent } from "../db/tenancy";
import { pipelineDeps } from "../deps";
import { runSigningKey, type Env } from "../env";
import { heldTasks, type DecidedTasksReport } from "../mcp/held-tasks";
import { runCall } from "../mcp/run-call";
import { taskIds } from "../mcp/task-ids";

/**
 * Ends the held-call tasks waiting on an escalation that was just decided or expired (src/mcp/held-tasks.ts): each
 * approved or denied call runs once now, as the agent that made it (read from D1 now: a suspended or deleted agent's
 * task is left for its first poll), with the proof it gave then, under the tenant's policies in force now.
 */
export async function endDecidedTasks(
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
  escalation: { tenant_id: string; escalation_id: string },
): Promise<DecidedTasksReport> {
  const pipeline = pipelineDeps(env, ctx);
  const tasks = heldTasks({
    db: env.DB,
    ids: taskIds(runSigningKey(env)),
    escalationOf: (owner, id) => pipeline.escalations.escalationOfAgent(owner, id),
    now: pipeline.now,
  });
  return tasks.runDecided(escalation, async (owner, caller) => {
    const principal = await principalOfAgent(env.DB, owner.tenant_id, owner.agent_id);
    if (!principal) return null;
    const snapshot = await snapshotFor(env.DB, principal.tenant);
    const ctx = { pipeline, principal: { ...principal, proof: caller.proof }, snapshot, client_id: caller.client_id };
    return (call) => runCall(ctx, call);
  });
}

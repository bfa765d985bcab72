import type { Principal } from "../db/tenancy";
import type { PipelineDeps } from "../pipeline/ports";
import { runToolCall } from "../pipeline/run";
import type { PolicySnapshot } from "../policy";
import { callToolResult } from "./call-result";
import { isGovernanceTool, runGovernanceTool } from "./governance-tools";
import type { HeldCall, RanCall } from "./held-tasks";

/** Who runs a call and under what: the pipeline's ports, the caller, the policies in force, the caller's client. */
export interface CallContext {
  pipeline: PipelineDeps;
  principal: Principal;
  snapshot: PolicySnapshot;
  client_id: string | null;
}

/**
 * Runs one tools/call as `ctx.principal` (a governance tool by its own code: it reads the caller's own records and
 * runs no host), giving the outcome, its sentence and the CallToolResult a client gets. Served calls and held tasks
 * (polled, or run at decision time) all run through here.
 */
export async function runCall(ctx: CallContext, call: HeldCall): Promise<RanCall> {
  const run = isGovernanceTool(call.tool) ? runGovernanceTool : runToolCall;
  const ran = await run(ctx.pipeline, {
    principal: ctx.principal,
    snapshot: ctx.snapshot,
    name: call.tool,
    args: call.args,
    meta: call.meta,
    client_id: ctx.client_id,
  });
  return { outcome: ran.outcome, sentence: ran.sentence, result: callToolResult(ran) as Record<string, unknown> };
}

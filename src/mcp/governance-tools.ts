import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { nextStep, statusAt, type Escalation } from "../approvals/escalations";
import type { JsonValue } from "../ledger/canonical";
import type { Outcome } from "../pipeline/outcome";
import type { PipelineDeps } from "../pipeline/ports";
import { correlationOf, recordable, type ToolCall, type ToolCallResult } from "../pipeline/run";
import { DEFAULT_RUN_TTL_SECONDS, MAX_RUN_TTL_SECONDS } from "../runs/run-ids";

/** The tool an agent asks about its own escalations with, instead of re-sending a held call. */
export const ESCALATION_STATUS_TOOL = "governance.escalation_status";
/** The tool an agent starts a run with: the run id per-run caps count on (`_meta.run_id`). */
export const START_RUN_TOOL = "governance.start_run";

const VERSION = "1.0.0";
const STATE_SUMMARY = "open (a governance tool: it only reads your own escalations)";
const START_RUN_SUMMARY = "open (a governance tool: it starts a run of yours and runs no host)";

const escalationStatusArgs = z.strictObject({
  escalation_id: z.string().min(1).max(200).describe("The escalation id a held call returned, e.g. esc_…"),
});

const startRunArgs = z.strictObject({
  ttl_seconds: z
    .int()
    .min(60)
    .max(MAX_RUN_TTL_SECONDS)
    .optional()
    .describe(
      `How long the run id is accepted, in seconds (default ${DEFAULT_RUN_TTL_SECONDS}, at most ${MAX_RUN_TTL_SECONDS})`,
    ),
});

/**
 * The governance tools, listed for every agent whatever its allowed tools or policies: they run no host and read
 * only the caller's own records. Their names (`governance.*`) are Policy OS's, never a host's.
 */
export const GOVERNANCE_TOOLS: Tool[] = [
  {
    name: ESCALATION_STATUS_TOOL,
    title: "Escalation status",
    description:
      "The state of one of your escalations (held calls waiting for people): status, who may approve, when it " +
      "expires, who decided, whether it ran, and what to do next. Use it to wait for a decision without " +
      `re-sending the held call.\n\nPolicy state: ${STATE_SUMMARY}.`,
    inputSchema: z.toJSONSchema(escalationStatusArgs, { io: "input" }) as Tool["inputSchema"],
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    _meta: {
      "policy-os/version": VERSION,
      "policy-os/policy_state": { state: "open", policies: [], summary: STATE_SUMMARY },
    },
  },
  {
    name: START_RUN_TOOL,
    title: "Start a run",
    description:
      "Starts a run: a run id for _meta.run_id on every call of one task, until it expires. Per-run budget caps " +
      "count on run ids started here only; a run id not started here is refused (unknown_run), and calls without " +
      `one share a single bucket per cap.\n\nPolicy state: ${START_RUN_SUMMARY}.`,
    inputSchema: z.toJSONSchema(startRunArgs, { io: "input" }) as Tool["inputSchema"],
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    _meta: {
      "policy-os/version": VERSION,
      "policy-os/policy_state": { state: "open", policies: [], summary: START_RUN_SUMMARY },
    },
  },
];

/** Whether `name` is a governance tool, answered by {@link runGovernanceTool} rather than the pipeline. */
export function isGovernanceTool(name: string): boolean {
  return name === ESCALATION_STATUS_TOOL || name === START_RUN_TOOL;
}

/**
 * Answers a governance tool call with the outcome contract and one sentence, and records an audit row (no ledger
 * entries: it decides nothing and changes nothing). An escalation of another agent or tenant answers "not found".
 */
export async function runGovernanceTool(deps: PipelineDeps, call: ToolCall): Promise<ToolCallResult> {
  const { tenant, agent } = call.principal;
  const tool = call.name === START_RUN_TOOL ? START_RUN_TOOL : ESCALATION_STATUS_TOOL;
  const invocation_id = deps.newId("inv");
  const started = deps.clock();
  const started_at = deps.now().toISOString();
  const correlation = correlationOf(call.meta);

  const answer = (
    result: Pick<Outcome, "outcome" | "status" | "success" | "data" | "error" | "escalation_id">,
    sentence: string,
  ): ToolCallResult => {
    const verdict = result.success ? "authorized" : "invalid";
    const reason_code = result.success
      ? tool === START_RUN_TOOL
        ? "run_started"
        : "governance_read"
      : (result.error?.code ?? "invalid");
    const outcome: Outcome = {
      invocation_id,
      capability_id: tool,
      capability_version: VERSION,
      correlation,
      ...result,
      denial: null,
      decision: { decision: verdict, reason_code, policy_ids: [], policy_count: 0, snapshot: call.snapshot.hash },
      evidence_ids: [],
      started_at,
      completed_at: deps.now().toISOString(),
    };
    const total_ms = Math.round((deps.clock() - started) * 1000) / 1000;
    deps.defer(
      deps.audit
        .writeAudit({
          invocation_id,
          tenant_id: tenant.id,
          agent_id: agent.id,
          tool,
          capability_version: VERSION,
          client_id: call.client_id === null ? null : recordable(call.client_id),
          decision: verdict,
          reason_code,
          policy_ids: [],
          policy_count: 0,
          snapshot: call.snapshot.hash,
          outcome: outcome.outcome,
          status: outcome.status,
          escalation_id: outcome.escalation_id,
          error_code: outcome.error?.code ?? null,
          cost_cents: null,
          host_ref: null,
          latency_ms: { validate: 0, policy: 0, approval: total_ms, adapter: 0, audit: 0 },
          total_ms,
          correlation,
          evidence_ids: [],
          args_hash: null,
          created_at: started_at,
        })
        .catch((error) => console.error(`audit row failed for ${invocation_id}: ${String(error)}`)),
    );
    return { outcome, sentence };
  };
  const invalid = (code: string, message: string) =>
    answer(
      {
        outcome: "invalid",
        status: "invalid",
        success: false,
        data: null,
        error: { code, message, retryable: false },
        escalation_id: null,
      },
      message,
    );

  if (tool === START_RUN_TOOL) {
    const asked = startRunArgs.safeParse(call.args ?? {});
    if (!asked.success)
      return invalid(
        "invalid_arguments",
        `${START_RUN_TOOL} takes one optional argument, ttl_seconds: ${asked.error.issues[0]?.message ?? "invalid"}.`,
      );
    const run = await deps.runs.mint({ tenant_id: tenant.id, agent_id: agent.id }, deps.now(), asked.data.ttl_seconds);
    if (!run) {
      const message = "Runs cannot be started here: the gateway has no run signing key. Ask its operator.";
      return answer(
        {
          outcome: "failed",
          status: "failed",
          success: false,
          data: null,
          error: { code: "runs_not_configured", message, retryable: false },
          escalation_id: null,
        },
        message,
      );
    }
    return answer(
      { outcome: "succeeded", status: "authorized", success: true, data: { ...run }, error: null, escalation_id: null },
      `Run ${run.run_id} started: send it as _meta.run_id on this run's calls until ${run.expires_at}.`,
    );
  }

  const parsed = escalationStatusArgs.safeParse(call.args ?? {});
  if (!parsed.success)
    return invalid(
      "invalid_arguments",
      `${ESCALATION_STATUS_TOOL} needs one argument, escalation_id: ${parsed.error.issues[0]?.message ?? "invalid"}.`,
    );
  const { escalation_id } = parsed.data;
  let escalation: Escalation | null;
  try {
    escalation = await deps.escalations.escalationOfAgent({ tenant_id: tenant.id, agent_id: agent.id }, escalation_id);
  } catch (error) {
    console.error(`escalation status failed for ${invocation_id}: ${String(error)}`);
    const message = "The escalation could not be read right now; it is safe to ask again shortly.";
    return answer(
      {
        outcome: "failed",
        status: "failed",
        success: false,
        data: null,
        error: { code: "escalation_unavailable", message, retryable: true },
        escalation_id: null,
      },
      message,
    );
  }
  if (!escalation) return invalid("escalation_not_found", `No escalation ${escalation_id} is on file for this agent.`);

  const view = escalationView(escalation, deps.now());
  const by = view.decided_by ? ` by ${view.decided_by}` : "";
  return answer(
    {
      outcome: "succeeded",
      status: "authorized",
      success: true,
      data: view,
      error: null,
      escalation_id: escalation.id,
    },
    `Escalation ${escalation.id} for ${escalation.tool} is ${view.status}${by}: ${lowerFirst(view.next)}`,
  );
}

/** What an agent may know about its own escalation. */
function escalationView(escalation: Escalation, now: Date) {
  const status = statusAt(escalation, now);
  return {
    escalation_id: escalation.id,
    status,
    tool: escalation.tool,
    reason_code: escalation.reason_code,
    message: escalation.message,
    approvers: escalation.approvers,
    requested_at: escalation.created_at,
    expires_at: escalation.expires_at,
    decided_by: escalation.decided_by,
    decided_at: escalation.decided_at,
    executed_at: escalation.executed_at,
    executed_invocation_id: escalation.executed_invocation_id ?? null,
    next: nextStep(escalation, status),
  } satisfies Record<string, JsonValue>;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

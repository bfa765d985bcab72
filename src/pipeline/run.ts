import {
  escalationEvent,
  nextStep,
  openEscalation,
  releaseApproval,
  useApprovalOnFile,
  type ApprovalOnFile,
  type Escalation,
} from "../approvals/escalations";
import { budgetBook, budgetDenialMessage, type BudgetDenial } from "../budgets";
import type { Principal } from "../db/tenancy";
import { costLines, reserveCosts, type CostLine } from "../guards/budget";
import { screenArguments, screenResult, type GuardHit, type GuardStop, type Screening } from "../guards/screen";
import { moderateArguments } from "../guards/moderation";
import type { Host, HostCallResult, ToolDescriptor } from "../hosts/host";
import { hashOf, type JsonValue } from "../ledger/canonical";
import type { LedgerEntryInput } from "../ledger/types";
import { decide, type CompiledPolicy, type PolicySnapshot } from "../policy";
import { matchesGlob } from "../policy/glob";
import type { CallContext, Decision } from "../policy/types";
import { inspectArguments } from "./arguments";
import { writeAuditRow, type StageLatency } from "./audit";
import { sentenceFor } from "./sentence";
import type { CallError, Denial, Outcome } from "./outcome";
import type { PipelineDeps } from "./ports";

/** One tools/call as the MCP layer hands it over. */
export interface ToolCall {
  principal: Principal;
  snapshot: PolicySnapshot;
  name: string;
  args: unknown;
  /** The request's `_meta` (correlation ids, the person acted for, the workspace, an escalation id). */
  meta: Record<string, unknown>;
  /** MCP clientInfo or the caller's user agent. */
  client_id: string | null;
}

/** The pipeline's result: the outcome contract plus the one sentence that says it. */
export interface ToolCallResult {
  outcome: Outcome;
  sentence: string;
}

type Verdict = Decision["decision"] | "invalid";

/** Longest tool name recorded as sent; longer ones are cut (no real tool name comes near it). */
const MAX_TOOL_NAME = 200;

/** `_meta` key naming the escalation a retry means (optional: the exact call finds it too). */
export const ESCALATION_META_KEY = "escalation_id";
/** `_meta` flag asking for a new approval after the last one for the same call was used. */
export const NEW_APPROVAL_META_KEY = "request_new_approval";

const metaString = (meta: Record<string, unknown>, key: string): string | null => {
  const value = Object.hasOwn(meta, key) ? meta[key] : undefined;
  return typeof value === "string" && value.length > 0 && value.length <= 200 ? value : null;
};

/** The correlation ids a caller put in `_meta`, as every outcome echoes them. */
export function correlationOf(meta: Record<string, unknown>): Outcome["correlation"] {
  return {
    correlation_id: metaString(meta, "correlation_id"),
    session_id: metaString(meta, "session_id"),
    run_id: metaString(meta, "run_id"),
  };
}

/**
 * Runs one tool call through validate → policy → approval → adapter → audit and returns the outcome.
 * The only caller of a host adapter. Never throws for expected outcomes; infrastructure faults before the
 * adapter runs end as `failed` without running it.
 */
export async function runToolCall(deps: PipelineDeps, call: ToolCall): Promise<ToolCallResult> {
  const { tenant, agent } = call.principal;
  // The requested name is echoed into the outcome, the ledger and the audit log: bounded, since it is the caller's.
  const name = call.name.length <= MAX_TOOL_NAME ? call.name : `${call.name.slice(0, MAX_TOOL_NAME)}…`;
  const invocation_id = deps.newId("inv");
  const started = deps.clock();
  const started_at = deps.now().toISOString();
  const latency: StageLatency = { validate: 0, policy: 0, approval: 0, adapter: 0, audit: 0 };
  let mark = started;
  const lap = (stage: keyof StageLatency) => {
    const t = deps.clock();
    latency[stage] = Math.round((t - mark) * 1000) / 1000;
    mark = t;
  };
  const correlation = correlationOf(call.meta);
  const ledger = deps.ledger(tenant.id);

  let descriptor: ToolDescriptor | null = null;
  let args_hash: string | null = null;
  let decision: Decision | null = null;
  /** The arguments as records show them (PII redacted), once validated. */
  let screening: Screening | null = null;
  const guardHits: GuardHit[] = [];
  /** The cost lines reserved in the budget book (settled or released after the host runs). */
  let budget: CostLine[] = [];

  /** Ledger entries, audit row and outcome for every path; `entries` are appended after the decision entry. */
  const finish = async (
    verdict: Verdict,
    result: Pick<Outcome, "outcome" | "status" | "success" | "data" | "error" | "denial" | "escalation_id">,
    extra: {
      /** Set when the decision entry was appended before the adapter ran. */
      decisionEntryId?: string;
      /** The decision entry to append, when it carries more than the verdict (an escalation id). */
      decision_entry?: LedgerEntryInput;
      entries?: LedgerEntryInput[];
      host_ref?: string | null;
      cost_cents?: number | null;
      /** Content guards that checked the host's result and were hit. */
      result_guards?: GuardHit[];
    } = {},
  ): Promise<ToolCallResult> => {
    const reason_code = decision?.reason_code ?? result.error?.code ?? "invalid";
    const decisionEntries = extra.decisionEntryId ? [] : [extra.decision_entry ?? decisionEntry(verdict)];
    const outcomeEntry: LedgerEntryInput = {
      kind: "outcome",
      invocation_id,
      body: {
        outcome: result.outcome,
        status: result.status,
        error_code: result.error?.code ?? null,
        denial_code: result.denial?.code ?? null,
        escalation_id: result.escalation_id,
        host_ref: extra.host_ref ?? null,
        // A host's result is untrusted: one too deep to hash is recorded as such, never lost with the entry.
        data_hash: result.success ? await hashOf(result.data).catch(() => "unhashable") : null,
        ...(extra.result_guards ? { guards: extra.result_guards as unknown as JsonValue } : {}),
      },
    };
    let evidence_ids = extra.decisionEntryId ? [extra.decisionEntryId] : [];
    try {
      const appended = await ledger.append(tenant.id, [...decisionEntries, ...(extra.entries ?? []), outcomeEntry]);
      evidence_ids = [...evidence_ids, ...appended.map((entry) => entry.id)];
    } catch (error) {
      console.error(`ledger append failed for ${invocation_id}: ${describe(error)}`);
    }
    const outcome: Outcome = {
      invocation_id,
      capability_id: name,
      capability_version: descriptor?.version ?? null,
      correlation,
      ...result,
      decision: {
        decision: verdict,
        reason_code,
        policy_ids: decision?.policy_ids ?? [],
        snapshot: decision?.snapshot ?? call.snapshot.hash,
      },
      evidence_ids,
      started_at,
      completed_at: deps.now().toISOString(),
    };
    lap("audit");
    // The ledger entries are awaited above; the operational audit row follows the response.
    deps.defer(
      writeAuditRow(deps.db, {
        invocation_id,
        tenant_id: tenant.id,
        agent_id: agent.id,
        tool: name,
        capability_version: outcome.capability_version,
        client_id: call.client_id,
        decision: verdict,
        reason_code,
        policy_ids: outcome.decision.policy_ids,
        snapshot: outcome.decision.snapshot,
        outcome: outcome.outcome,
        status: outcome.status,
        escalation_id: outcome.escalation_id,
        error_code: outcome.error?.code ?? outcome.denial?.code ?? null,
        cost_cents: extra.cost_cents ?? null,
        host_ref: extra.host_ref ?? null,
        latency_ms: latency,
        total_ms: Math.round((deps.clock() - started) * 1000) / 1000,
        correlation,
        evidence_ids,
        args_hash,
        shadow: decision?.shadow ?? [],
        created_at: started_at,
      }).catch((error) => console.error(`audit row failed for ${invocation_id}: ${describe(error)}`)),
    );
    return { outcome, sentence: sentenceFor(outcome, decision) };
  };

  const decisionEntry = (verdict: Verdict, escalation?: Escalation): LedgerEntryInput => ({
    kind: "decision",
    invocation_id,
    body: {
      agent_id: agent.id,
      tool: name,
      capability_version: descriptor?.version ?? null,
      args_hash,
      decision: verdict,
      reason_code: decision?.reason_code ?? "invalid",
      policy_ids: decision?.policy_ids ?? [],
      snapshot: decision?.snapshot ?? call.snapshot.hash,
      shadow: (decision?.shadow ?? []) as unknown as JsonValue,
      alerts: decision?.alerts ?? [],
      condition_errors: (decision?.condition_errors ?? []) as unknown as JsonValue,
      tags: decision?.tags ?? [],
      redactions: (screening?.redactions ?? []) as unknown as JsonValue,
      guards: guardHits as unknown as JsonValue,
      budget: budget.map(({ policy_id, scope, subject, window, unit, amount, limit }) => ({
        policy_id,
        scope,
        subject,
        window,
        unit,
        amount,
        limit,
      })),
      escalation_id: escalation?.id ?? null,
      ...(verdict === "authorized" && escalation ? { approved_by: escalation.decided_by } : {}),
      client_id: call.client_id,
      correlation,
    },
  });

  const invalid = (code: string, message: string, details?: Record<string, JsonValue>) => {
    lap("validate");
    return finish("invalid", {
      outcome: "invalid",
      status: "invalid",
      success: false,
      data: null,
      error: { code, message, retryable: false, ...(details ? { details } : {}) },
      denial: null,
      escalation_id: null,
    });
  };

  // 1. validate
  const visible = agent.allowed_tools.some((pattern) => matchesGlob(pattern, name));
  const resolved = visible ? await deps.tools.resolve(tenant.id, name).catch(() => null) : null;
  if (!resolved) return invalid("unknown_tool", `No tool named "${name}" is available to this agent.`);
  descriptor = resolved.descriptor;
  const args = call.args ?? {};
  const problem = inspectArguments(args);
  if (problem) return invalid("invalid_arguments", problem.message, { errors: [{ ...problem }] });
  const checked = deps.validateArguments(descriptor, args as Record<string, unknown>);
  if (!checked.ok)
    return invalid(
      "invalid_arguments",
      `The arguments do not match ${name}'s input schema: ${described(checked.errors[0])}.`,
      { errors: checked.errors.slice(0, 20) as unknown as JsonValue },
    );
  args_hash = await hashOf(args);
  lap("validate");

  // 2. policy
  const context: CallContext = {
    user: metaString(call.meta, "on_behalf_of") ?? agent.owner,
    workspace: metaString(call.meta, "workspace"),
    ...correlation,
    now: started_at,
  };
  const toolFacts = { name, host: descriptor.host, annotations: descriptor.annotations };
  const agentFacts = { id: agent.id, name: agent.name, owner: agent.owner, scopes: agent.scopes };
  decision = decide(call.snapshot, {
    tool: toolFacts,
    agent: agentFacts,
    args: args as Record<string, unknown>,
    context,
  });

  const refuse = (denial: Denial, escalation_id: string | null = null) =>
    finish("denied", {
      outcome: "denied",
      status: "denied",
      success: false,
      data: null,
      error: null,
      denial,
      escalation_id,
    });

  if (decision.decision === "denied")
    return refuse({
      code: decision.reason_code,
      message: decision.message,
      retryable: false,
      details: { policy: decision.policy_ids[0] ?? null, policy_name: decision.policy_names[0] ?? null },
    });

  // 3. guards on the arguments: PII leaves every record; privacy and content policies may stop, hold or redact.
  screening = screenArguments(decision.guards, args as Record<string, unknown>);
  await moderateArguments(
    decision.guards,
    screening,
    { tenant_id: tenant.id, invocation_id, tool: name },
    deps.moderate,
  );
  guardHits.push(...screening.hits);
  decision = {
    ...decision,
    alerts: [...decision.alerts, ...screening.alerts],
    shadow: [...decision.shadow, ...screening.shadow],
  };
  const stop = screening.stop;
  if (stop?.effect === "deny") {
    decision = decidedBy(decision, stop.policy, "denied");
    lap("policy");
    return refuse(guardDenial(stop));
  }
  // A call already held for approval needs one approval, whatever else would hold it.
  if (stop?.effect === "hold" && decision.decision !== "escalated")
    decision = decidedBy(decision, stop.policy, "escalated");
  lap("policy");

  // 4. approval: an approval on file lets the exact call run once; otherwise it waits on a pending escalation.
  const recorded = screening.recorded;
  const approvalStage = async (held: Decision): Promise<{ done: ToolCallResult } | { approval: Escalation }> => {
    const unavailable = async (error: unknown) => {
      console.error(`escalation failed for ${invocation_id}: ${describe(error)}`);
      lap("approval");
      const done = await finish(
        "escalated",
        failure(
          "escalation_unavailable",
          "The approval request could not be recorded; nothing ran. Try again shortly.",
          true,
        ),
        {},
      );
      return { done };
    };
    let onFile: ApprovalOnFile;
    try {
      onFile = await useApprovalOnFile(
        deps.db,
        { tenant_id: tenant.id, agent_id: agent.id, tool: name, args_hash: args_hash! },
        {
          escalation_id: metaString(call.meta, ESCALATION_META_KEY),
          new_request: call.meta[NEW_APPROVAL_META_KEY] === true,
          invocation_id,
          now: deps.now(),
        },
      );
    } catch (error) {
      return unavailable(error);
    }

    if (onFile.state === "granted") {
      const approval = onFile.escalation;
      decision = {
        ...held,
        decision: "authorized",
        reason_code: "approval_granted",
        message: `${approval.decided_by ?? "An approver"} approved escalation ${approval.id}.`,
      };
      lap("approval");
      return { approval };
    }
    if (onFile.state === "denied" || onFile.state === "executed" || onFile.state === "not_this_call") {
      lap("approval");
      const refusal = approvalRefusal(onFile);
      decision = { ...held, decision: "denied", reason_code: refusal.code, message: refusal.message };
      const escalation = onFile.state === "not_this_call" ? undefined : onFile.escalation;
      const refused = await finish(
        "denied",
        {
          outcome: "denied",
          status: "denied",
          success: false,
          data: null,
          error: null,
          denial: refusal,
          escalation_id: escalation?.id ?? null,
        },
        { decision_entry: decisionEntry("denied", escalation) },
      );
      return { done: { ...refused, sentence: `${name} did not run: ${refusal.message}` } };
    }
    decision = held;
    let escalation: Escalation;
    let created = false;
    if (onFile.state === "pending") escalation = onFile.escalation;
    else
      try {
        ({ escalation, created } = await openEscalation(
          deps.db,
          {
            tenant_id: tenant.id,
            agent_id: agent.id,
            tool: name,
            args_hash: args_hash!,
            invocation_id,
            decision: held,
            approvers: held.approvers.length > 0 ? held.approvers : tenant.default_approvers,
            requested_for: context.user,
          },
          { id: deps.newId("esc"), now: deps.now(), timing: tenant.approvals },
        ));
      } catch (error) {
        return unavailable(error);
      }
    lap("approval");
    const expired = onFile.state === "expired" ? onFile.escalation : null;
    const denial: Denial = {
      // Expiry is not a denial: the request goes back to people as a new escalation.
      code: expired ? "approval_expired" : "approval_required",
      message: expired
        ? `Escalation ${expired.id} expired at ${expired.expires_at} without a decision, so a new approval request is open. ${held.message}`
        : held.message,
      retryable: true,
      details: {
        policy: held.policy_ids[0] ?? null,
        policy_name: held.policy_names[0] ?? null,
        reason_code: held.reason_code,
        escalation_id: escalation.id,
        approvers: escalation.approvers,
        expires_at: escalation.expires_at,
        ...(expired ? { expired_escalation_id: expired.id } : {}),
        retry: `Call the same tool again with the same arguments once the escalation is approved (_meta ${ESCALATION_META_KEY} may name it); governance.escalation_status tells when.`,
      },
    };
    const entries: LedgerEntryInput[] = [];
    if (onFile.state === "expired" && onFile.expired_now)
      entries.push(escalationEvent(onFile.escalation, "expired", null));
    if (created) {
      entries.push(escalationEvent(escalation, "opened", invocation_id));
      deps.defer(
        deps
          .escalationOpened(escalation, recorded)
          .catch((error) => console.error(`follow-up of escalation ${escalation.id} failed: ${describe(error)}`)),
      );
    }
    const done = await finish(
      "escalated",
      {
        outcome: "pending_approval",
        status: "action_required",
        success: false,
        data: null,
        error: null,
        denial,
        escalation_id: escalation.id,
      },
      { decision_entry: decisionEntry("escalated", escalation), entries },
    );
    return { done };
  };

  let approval: Escalation | null = null;
  if (decision.decision === "escalated") {
    const stage = await approvalStage(decision);
    if ("done" in stage) return stage.done;
    approval = stage.approval;
  }
  /** Nothing ran, so an approval the call claimed is not used up. */
  const unclaim = async () => {
    if (approval)
      await releaseApproval(deps.db, approval.id, invocation_id).catch((release) =>
        console.error(`approval ${approval?.id} not released: ${describe(release)}`),
      );
  };

  // 5. budget: every cap the call counts against is reserved at once in the tenant's budget book.
  const book = deps.budgets(tenant.id);
  for (;;) {
    const needsCost = decision.guards.some((p) => p.guard?.kind === "cost" && !p.compiledCost);
    const costs = costLines(decision.guards, {
      vars: { args, agent: agentFacts, tool: toolFacts, context },
      tool_cost_cents: needsCost ? await deps.toolCost(tenant.id, name).catch(() => null) : null,
      invocation_id,
      approved: new Set(approval?.policy_ids ?? []),
    });
    if (!costs.ok) {
      await unclaim();
      decision = decidedBy(decision, costs.policy, "denied");
      return refuse({
        code: "cost_unknown",
        message: `The cost of this call could not be computed for policy "${costs.policy.name}" (${costs.error}), so it did not run.`,
        retryable: false,
        details: { policy: costs.policy.policy_id, policy_name: costs.policy.name },
      });
    }
    decision = {
      ...decision,
      condition_errors: [...decision.condition_errors, ...costs.errors],
    };
    const reservation = await reserveCosts(book, costs.lines, { invocation_id, now: deps.now() });
    if (reservation.kind === "none" || reservation.kind === "uncounted") break;
    if (reservation.kind === "unavailable") {
      await unclaim();
      return finish(
        "authorized",
        failure(
          "budget_unavailable",
          "The budget could not be checked, so the call did not run. Try again shortly.",
          true,
        ),
      );
    }
    if (reservation.kind === "reserved") {
      budget = reservation.lines;
      decision = {
        ...decision,
        alerts: [...decision.alerts, ...reservation.alerts],
        shadow: [...decision.shadow, ...reservation.shadow],
      };
      break;
    }
    const { line, denial } = reservation;
    if (line?.policy.mode === "pause" && !approval) {
      // The cap holds the call for a person to allow the overrun (a budget-increase escalation).
      const stage = await approvalStage(budgetHold(decision, line.policy, denial));
      if ("done" in stage) return stage.done;
      approval = stage.approval;
      continue;
    }
    await unclaim();
    if (line) decision = decidedBy(decision, line.policy, "denied");
    decision = { ...decision, reason_code: "budget_exhausted" };
    return refuse(budgetDenial(denial, line?.policy));
  }
  lap("approval");

  // 6. adapter: the decision is on the ledger before the host is called.
  let decisionEntryId: string;
  try {
    const [entry] = await ledger.append(tenant.id, [decisionEntry("authorized", approval ?? undefined)]);
    decisionEntryId = entry!.id;
  } catch (error) {
    console.error(`ledger append failed before ${invocation_id} ran: ${describe(error)}`);
    await unclaim();
    if (budget.length > 0) deps.defer(book.release({ reservation_id: invocation_id }));
    return finish(
      "authorized",
      {
        ...failure(
          "ledger_unavailable",
          "The decision could not be recorded, so the call did not run. Try again shortly.",
          true,
        ),
        escalation_id: approval?.id ?? null,
      },
      {},
    );
  }
  const result = await callHost(resolved.host, descriptor, screening.forHost, {
    tenant_id: tenant.id,
    invocation_id,
  });
  lap("adapter");
  if (budget.length > 0)
    deps.defer(
      (result.ok
        ? book.settle({
            reservation_id: invocation_id,
            ...(result.cost_cents !== undefined ? { actual: { usd_cents: result.cost_cents } } : {}),
          })
        : book.release({ reservation_id: invocation_id })
      ).catch((error) => console.error(`budget of ${invocation_id} not settled: ${describe(error)}`)),
    );
  const costCents = budget.find((line) => line.unit === "usd_cents")?.amount ?? null;
  const screened = result.ok ? screenResult(decision.guards, result.data) : null;
  const extra = {
    decisionEntryId,
    host_ref: result.host_ref,
    cost_cents: result.ok ? (result.cost_cents ?? costCents) : null,
    // The approval is used whatever the host answered: it may have acted before failing.
    entries: approval ? [escalationEvent(approval, "executed", invocation_id)] : [],
    result_guards: screened && screened.hits.length > 0 ? screened.hits : undefined,
  };
  const escalation_id = approval?.id ?? null;
  const done =
    result.ok && !screened?.withheld
      ? await finish(
          "authorized",
          {
            outcome: "succeeded",
            status: "authorized",
            success: true,
            data: screened!.data as JsonValue,
            error: null,
            denial: null,
            escalation_id,
          },
          extra,
        )
      : result.ok
        ? await finish(
            "authorized",
            {
              ...failure(
                screened!.withheld!.policy.reason_code,
                `${name} ran, but its result holds terms that policy "${screened!.withheld!.policy.name}" blocks, so the result is withheld.`,
                false,
              ),
              escalation_id,
            },
            extra,
          )
        : await finish(
            "authorized",
            { ...failure(result.error.code, result.error.message, result.error.retryable), escalation_id },
            extra,
          );
  if (approval) {
    const used = approval;
    deps.defer(
      deps
        .approvalUsed(used)
        .catch((error) => console.error(`page of escalation ${used.id} still shows Approved: ${describe(error)}`)),
    );
  }
  if (!approval || !done.outcome.success) return done;
  return {
    ...done,
    sentence: `${name} ran once with the approval of ${approval.decided_by ?? "an approver"} (escalation ${approval.id}) and succeeded (invocation ${invocation_id}).`,
  };
}

/** The decision as one guard policy makes it: denied by it, or held for approval under it. */
function decidedBy(decision: Decision, policy: CompiledPolicy, verdict: "denied" | "escalated"): Decision {
  return {
    ...decision,
    decision: verdict,
    reason_code: policy.reason_code,
    message: policy.message,
    policy_ids: [policy.policy_id],
    policy_names: [policy.name],
    approvers: verdict === "escalated" ? [...policy.approvers] : [],
  };
}

/** A cap past which a pause-mode cost policy holds the call: the approver allows the overrun or not. */
function budgetHold(decision: Decision, policy: CompiledPolicy, denial: BudgetDenial): Decision {
  const held = decidedBy(decision, policy, "escalated");
  const reason_code = policy.reason_code === "budget_exhausted" ? "budget_increase_required" : policy.reason_code;
  return { ...held, reason_code, message: `${budgetDenialMessage(denial)} ${policy.message}` };
}

function guardDenial(stop: GuardStop): Denial {
  const { code, message, retryable } = stop.denial ?? {
    code: stop.policy.reason_code,
    message: stop.policy.message,
    retryable: false,
  };
  return { code, message, retryable, details: stop.details };
}

function budgetDenial(denial: BudgetDenial, policy: CompiledPolicy | undefined): Denial {
  return {
    code: "budget_exhausted",
    message: budgetDenialMessage(denial),
    // Retrying helps only once the window resets; a run's cap never does.
    retryable: denial.resets_at !== null,
    details: { ...denial, policy: denial.policy_id, policy_name: policy?.name ?? null },
  };
}

/** Why an approval on file does not let the call run: denied, already used, or not this call's. */
function approvalRefusal(onFile: Extract<ApprovalOnFile, { state: "denied" | "executed" | "not_this_call" }>): Denial {
  if (onFile.state === "not_this_call")
    return {
      code: "escalation_not_for_this_call",
      message: `Escalation ${onFile.escalation_id} is not on file for this agent, tool and arguments, so nothing ran; an approval covers only the exact call it was requested for.`,
      retryable: false,
      details: { escalation_id: onFile.escalation_id },
    };
  const { escalation } = onFile;
  if (onFile.state === "denied")
    return {
      code: "approval_denied",
      message: `Escalation ${escalation.id} was denied by ${escalation.decided_by ?? "an approver"}${escalation.decided_at ? ` at ${escalation.decided_at}` : ""}; this exact call will not run.`,
      retryable: false,
      details: {
        escalation_id: escalation.id,
        decided_by: escalation.decided_by,
        decided_at: escalation.decided_at,
        next: nextStep(escalation),
      },
    };
  return {
    code: "approval_already_used",
    message: `Escalation ${escalation.id} was already used by invocation ${escalation.executed_invocation_id ?? "unknown"} at ${escalation.executed_at ?? "an earlier time"}, so this call did not run again. To do it again, call with _meta ${NEW_APPROVAL_META_KEY}: true to ask for a new approval.`,
    retryable: false,
    details: {
      escalation_id: escalation.id,
      executed_invocation_id: escalation.executed_invocation_id ?? null,
      executed_at: escalation.executed_at,
      next: nextStep(escalation),
    },
  };
}

/** An argument error in words: `fields is required`, `amount_cents must be >= 1` (the pointer as a dotted path). */
function described(error: { path: string; message: string } | undefined): string {
  if (!error) return "invalid";
  const path = error.path
    .split("/")
    .slice(1)
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"));
  return path.length > 0 ? `${path.join(".")} ${error.message}` : error.message;
}

function failure(code: string, message: string, retryable: boolean) {
  const error: CallError = { code, message, retryable };
  return {
    outcome: "failed",
    status: "failed",
    success: false,
    data: null,
    error,
    denial: null,
    escalation_id: null,
  } as const;
}

async function callHost(
  host: Host,
  descriptor: ToolDescriptor,
  args: Record<string, unknown>,
  ctx: { tenant_id: string; invocation_id: string },
): Promise<HostCallResult> {
  const controller = new AbortController();
  try {
    return await host.call(descriptor.tool, args, { ...ctx, signal: controller.signal });
  } catch (error) {
    // Adapters return faults as values; a throw is a bug or an infrastructure fault, reported without details.
    console.error(`host ${host.id} threw on ${ctx.invocation_id}: ${describe(error)}`);
    return {
      ok: false,
      error: { code: "host_unavailable", message: `The host ${host.label} failed unexpectedly.`, retryable: true },
      host_ref: host.id,
    };
  } finally {
    controller.abort();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

import { escalationEvent, nextStep, type ApprovalOnFile, type Escalation } from "../../approvals/escalations";
import type { LedgerEntryInput } from "../../ledger/types";
import type { Decision } from "../../policy/types";
import { metaString, type CallState, type Granted, type Screened } from "../call-state";
import { denied, end, failed, next, type Ending, type Step } from "../ending";
import { describeFault } from "../fault";
import type { Denial } from "../outcome";
import type { PipelineDeps } from "../ports";

/** `_meta` key naming the escalation a retry means (optional: the exact call finds it too). */
export const ESCALATION_META_KEY = "escalation_id";
/** `_meta` flag asking for a new approval after the last one for the same call was used. */
export const NEW_APPROVAL_META_KEY = "request_new_approval";

type ApprovalDeps = Pick<PipelineDeps, "escalations" | "newId" | "now" | "defer" | "escalationOpened">;

/** Approval: a call held for approval runs only under an approval on file; a call nothing holds goes on as it is. */
export async function approval(deps: ApprovalDeps, state: Screened): Promise<Step<Screened>> {
  return state.decision.decision === "escalated" ? seekApproval(deps, state, state.decision) : next(state);
}

/**
 * Settles a call `held` by a policy, a guard or a cap: an approved, unused approval of the exact call lets it run
 * once (this invocation claims it); a denied or used one, or another call's, refuses it; otherwise it waits on a
 * pending escalation (the one on file, or a new one).
 */
export async function seekApproval(deps: ApprovalDeps, state: Screened, held: Decision): Promise<Step<Granted>> {
  const { call, invocation_id } = state;
  const { tenant, agent } = call.principal;
  let onFile: ApprovalOnFile;
  try {
    onFile = await deps.escalations.useApprovalOnFile(
      {
        tenant_id: tenant.id,
        agent_id: agent.id,
        tool: state.name,
        args_hash: state.args_hash,
        requested_for: state.caller.user,
      },
      {
        escalation_id: metaString(call.meta, ESCALATION_META_KEY),
        new_request: call.meta[NEW_APPROVAL_META_KEY] === true,
        invocation_id,
        now: deps.now(),
      },
    );
  } catch (error) {
    return unavailable(state, error);
  }
  if (onFile.state === "granted") {
    const { escalation } = onFile;
    const message = `${escalation.decided_by ?? "An approver"} approved escalation ${escalation.id}.`;
    return next({
      ...state,
      approval: escalation,
      decision: { ...held, decision: "authorized", reason_code: "approval_granted", message },
    });
  }
  if (onFile.state === "denied" || onFile.state === "executed" || onFile.state === "not_this_call") {
    const refusal = approvalRefusal(onFile);
    const decision: Decision = { ...held, decision: "denied", reason_code: refusal.code, message: refusal.message };
    const escalation = onFile.state === "not_this_call" ? undefined : onFile.escalation;
    return denied({ ...state, decision }, refusal, escalation, {
      sentence: `${state.name} did not run: ${refusal.message}`,
    });
  }
  return waitForApproval(deps, { ...state, decision: held }, onFile);
}

/** Gives back the approval this invocation claimed when the call stops before the host runs: it is not used up. */
export async function releaseClaim(deps: Pick<PipelineDeps, "escalations">, state: CallState): Promise<void> {
  const { approval, invocation_id } = state;
  if (approval)
    await deps.escalations
      .releaseApproval(approval.id, invocation_id)
      .catch((error) => console.error(`approval ${approval.id} not released: ${describeFault(error)}`));
}

/** Ends a held call pending on the escalation on file, or on one opened now (followed up after the response). */
async function waitForApproval(
  deps: ApprovalDeps,
  held: Screened,
  onFile: Extract<ApprovalOnFile, { state: "none" | "pending" | "expired" }>,
): Promise<Ending> {
  const { invocation_id, decision } = held;
  let opened: { escalation: Escalation; created: boolean };
  try {
    opened = onFile.state === "pending" ? { escalation: onFile.escalation, created: false } : await open(deps, held);
  } catch (error) {
    return unavailable(held, error);
  }
  const { escalation, created } = opened;
  const entries: LedgerEntryInput[] = [];
  if (onFile.state === "expired" && onFile.expired_now)
    entries.push(escalationEvent(onFile.escalation, "expired", null));
  if (created) {
    entries.push(escalationEvent(escalation, "opened", invocation_id));
    deps.defer(
      deps
        .escalationOpened(escalation, held.screening.recorded)
        .catch((error) => console.error(`follow-up of escalation ${escalation.id} failed: ${describeFault(error)}`)),
    );
  }
  const expired = onFile.state === "expired" ? onFile.escalation : null;
  const result = {
    outcome: "pending_approval",
    status: "action_required",
    success: false,
    data: null,
    error: null,
    denial: pendingDenial(decision, escalation, expired),
    escalation_id: escalation.id,
  } as const;
  return end(held, "escalated", result, { escalation, entries });
}

/** Opens an escalation for the held call, for its deciding policies' approvers or else the tenant's. */
function open(deps: ApprovalDeps, held: Screened): ReturnType<ApprovalDeps["escalations"]["openEscalation"]> {
  const { tenant, agent } = held.call.principal;
  const { decision } = held;
  return deps.escalations.openEscalation(
    {
      tenant_id: tenant.id,
      agent_id: agent.id,
      tool: held.name,
      args_hash: held.args_hash,
      invocation_id: held.invocation_id,
      decision,
      approvers: decision.approvers.length > 0 ? decision.approvers : tenant.default_approvers,
      requested_for: held.caller.user,
      caller: held.caller.record,
    },
    { id: deps.newId("esc"), now: deps.now(), timing: tenant.approvals },
  );
}

/** What the agent is told while its call waits: who may approve, until when, and how to retry. */
function pendingDenial(held: Decision, escalation: Escalation, expired: Escalation | null): Denial {
  return {
    // Expiry is not a denial: the request goes back to people as a new escalation.
    code: expired ? "approval_expired" : "approval_required",
    message: expired
      ? `Escalation ${expired.id} expired at ${expired.expires_at} without a decision, so a new approval request is open. ${held.message}`
      : held.message,
    retryable: true,
    details: {
      policy: held.policy_ids[0] ?? null,
      policy_name: held.policy_name,
      reason_code: held.reason_code,
      escalation_id: escalation.id,
      approvers: escalation.approvers,
      expires_at: escalation.expires_at,
      ...(expired ? { expired_escalation_id: expired.id } : {}),
      retry: `Call the same tool again with the same arguments once the escalation is approved (_meta ${ESCALATION_META_KEY} may name it); governance.escalation_status tells when.`,
    },
  };
}

/** The escalations could not be read or written: nothing ran, and a retry may succeed. */
function unavailable(state: CallState, error: unknown): Ending {
  console.error(`escalation failed for ${state.invocation_id}: ${describeFault(error)}`);
  return failed(state, "escalated", {
    code: "escalation_unavailable",
    message: "The approval request could not be recorded; nothing ran. Try again shortly.",
    retryable: true,
  });
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

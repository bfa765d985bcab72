import { escalationEvent } from "../../approvals/escalations";
import type { Host, HostCallResult, ToolDescriptor } from "../../hosts/host";
import type { JsonValue } from "../../ledger/canonical";
import type { Screened } from "../call-state";
import { end, failed, type Ending, type HostRun } from "../ending";
import { deferSafely, describeFault } from "../fault";
import type { PipelineDeps } from "../ports";
import { screenHostResult } from "../result-content";
import { resultProblem } from "../result-limits";
import { releaseClaim } from "./approval";
import { faultedAfterRun } from "./faulted";
import { decisionEntry } from "./ledger-entries";

type AdapterDeps = Pick<PipelineDeps, "ledger" | "budgets" | "escalations" | "defer" | "hostHealth" | "clock" | "now">;

/** The code of a call whose host ran but whose result is too deep, too large or not JSON (docs/mcp.md). */
export const RESULT_UNUSABLE = "result_unusable";

/**
 * Adapter, the only caller of a host: durable before run. A host whose circuit is open is not called at all: the
 * call fails fast with `host_unavailable`, retryable. Otherwise the decision entry is appended to the ledger first, and
 * only then does the host run. When the ledger refuses the entry nothing runs: the claimed approval and the reserved
 * budget are given back and the call fails with `ledger_unavailable`. After the run the budget is settled (or
 * released when the host failed) and result guards read what the host returned, once it is known to be bounded JSON
 * (else `result_unusable`), and what the call showed of the host is reported to its circuit. The breaker never
 * retries: a call that may have reached the host is never sent again. Once the decision entry is appended, nothing
 * throws: a fault ends `internal_error`.
 */
export async function adapter(deps: AdapterDeps, state: Screened): Promise<Ending> {
  const tenant_id = state.call.principal.tenant.id;
  const admission = await deps.hostHealth.admit(tenant_id, state.host);
  if (!admission.admitted) return circuitOpen(deps, state, admission.retry_at);
  const decision_entry_id = await appendDecisionBeforeRun(deps, state);
  if (decision_entry_id === null) return notRecorded(deps, state);
  let host_ref = state.host.id;
  try {
    const started = deps.clock();
    const result = await callHost(state.host, state.descriptor, state.screening.forHost, {
      tenant_id,
      invocation_id: state.invocation_id,
    });
    deps.hostHealth.observe(tenant_id, state.host, {
      at: deps.now().getTime(),
      ms: deps.clock() - started,
      failed: hostFailed(result),
      probe: admission.probe,
    });
    host_ref = result.host_ref;
    settleBudget(deps, state, result);
    return hostEnding(state, result, decision_entry_id);
  } catch (error) {
    // The decision is on the ledger: whatever threw, the call ends as a value that gets its outcome entry.
    return faultedAfterRun(state, decision_entry_id, host_ref, error);
  }
}

/** Appends the authorized decision entry; its id, or null when the ledger refused it (then the host must not run). */
async function appendDecisionBeforeRun(deps: Pick<PipelineDeps, "ledger">, state: Screened): Promise<string | null> {
  const tenant_id = state.call.principal.tenant.id;
  try {
    const [id] = await deps
      .ledger(tenant_id)
      .append(tenant_id, [decisionEntry(state, "authorized", state.approval ?? undefined)]);
    return id!;
  } catch (error) {
    console.error(`ledger append failed before ${state.invocation_id} ran: ${describeFault(error)}`);
    return null;
  }
}

/** The decision could not be recorded, so nothing runs and nothing the call held stays held. */
async function notRecorded(deps: AdapterDeps, state: Screened): Promise<Ending> {
  await giveBackUnrun(deps, state);
  const error = {
    code: "ledger_unavailable",
    message: "The decision could not be recorded, so the call did not run. Try again shortly.",
    retryable: true,
  };
  return failed(state, "authorized", error, state.approval?.id ?? null);
}

/**
 * The host's circuit is open: the call is not sent, so it cannot have run there, and it fails fast as the host's
 * unavailability (retryable after `retry_at`), never as a denial. Its approval and budget are given back.
 */
async function circuitOpen(deps: AdapterDeps, state: Screened, retry_at: number): Promise<Ending> {
  await giveBackUnrun(deps, state);
  const retry_after = new Date(retry_at).toISOString();
  const error = {
    code: "host_unavailable",
    message: `${state.name} was not sent: host ${state.host.id} has been failing, so its circuit is open. Try again after ${retry_after}.`,
    retryable: true,
    details: { circuit: "open", retry_after },
  };
  return failed(state, "authorized", error, state.approval?.id ?? null);
}

/** Gives back what a call that never reached its host held: its claimed approval and its reserved budget. */
async function giveBackUnrun(deps: AdapterDeps, state: Screened): Promise<void> {
  await releaseClaim(deps, state);
  if (state.budget.length > 0)
    deps.defer(
      deps
        .budgets(state.call.principal.tenant.id)
        .release({ reservation_id: state.invocation_id })
        .catch((error) => console.error(`budget of ${state.invocation_id} not released: ${describeFault(error)}`)),
    );
}

/**
 * Whether a call counts against its host's health: it could not be reached, timed out, or gave no usable answer
 * (`host_unavailable`). A host that answered, even with a tool error, a refusal of the arguments or an oversized
 * result, is up.
 */
function hostFailed(result: HostCallResult): boolean {
  return !result.ok && result.error.code === "host_unavailable";
}

/**
 * Turns the reservation into spend at the host's reported cost (deferred). It is given back only when the host cannot
 * have acted: it refused the call, its tool reported failure, or it was unreachable before the call was sent. A call
 * that may have run (its answer lost, or its result unusable) keeps its reserved cost, so a cap is never passed.
 */
function settleBudget(deps: AdapterDeps, state: Screened, result: HostCallResult): void {
  if (state.budget.length === 0) return;
  const reservation_id = state.invocation_id;
  deferSafely(deps, `budget of ${reservation_id} not settled`, () => {
    const book = deps.budgets(state.call.principal.tenant.id);
    if (!result.ok)
      return mayHaveActed(result.error) ? book.settle({ reservation_id }) : book.release({ reservation_id });
    const actual = result.cost_cents !== undefined ? { actual: { usd_cents: result.cost_cents } } : {};
    return book.settle({ reservation_id, ...actual });
  });
}

/** Whether a failed call may still have acted at the host: its outcome is unknown, or it ran and only its result failed. */
function mayHaveActed(error: Extract<HostCallResult, { ok: false }>["error"]): boolean {
  return error.code === "result_unusable" || (error.code === "host_unavailable" && !error.retryable);
}

/** How a call that ran ends: succeeded, failed at the host, or its result withheld by a content guard. */
function hostEnding(state: Screened, result: HostCallResult, decision_entry_id: string): Ending {
  const { approval, name, invocation_id } = state;
  const escalation_id = approval?.id ?? null;
  // A result that cannot be hashed, screened or answered is never handed on: the host ran, the agent gets why.
  const unusable = result.ok ? (resultProblem(result.data) ?? resultProblem(result.content ?? null)) : null;
  const screened = result.ok && !unusable ? screenHostResult(state.decision.guards, result.data, result.content) : null;
  const estimate = state.budget.find((line) => line.unit === "usd_cents")?.amount ?? null;
  const ran: HostRun = {
    decision_entry_id,
    host_ref: result.host_ref,
    cost_cents: result.ok ? (result.cost_cents ?? estimate) : null,
    ...(screened && screened.hits.length > 0 ? { result_guards: screened.hits } : {}),
  };
  // The approval is used whatever the host answered: it may have acted before failing.
  const entries = approval ? [escalationEvent(approval, "executed", invocation_id)] : [];
  if (!result.ok) {
    const { code, message, retryable } = result.error;
    return failed(state, "authorized", { code, message, retryable }, escalation_id, { ran, entries });
  }
  if (unusable) {
    const message = `${name} ran, but its result cannot be returned: ${unusable.message}.`;
    const details = { reason: unusable.reason, path: unusable.path };
    return failed(state, "authorized", { code: RESULT_UNUSABLE, message, retryable: false, details }, escalation_id, {
      ran,
      entries,
    });
  }
  const withheld = screened!.withheld;
  if (withheld) {
    const message = `${name} ran, but its result holds terms that policy "${withheld.policy.name}" blocks, so the result is withheld.`;
    return failed(
      state,
      "authorized",
      { code: withheld.policy.reason_code, message, retryable: false },
      escalation_id,
      {
        ran,
        entries,
      },
    );
  }
  const succeeded = {
    outcome: "succeeded",
    status: "authorized",
    success: true,
    data: screened!.data as JsonValue,
    error: null,
    denial: null,
    escalation_id,
  } as const;
  const sentence = approval
    ? `${name} ran once with the approval of ${approval.decided_by ?? "an approver"} (escalation ${approval.id}) and succeeded (invocation ${invocation_id}).`
    : undefined;
  const content = screened!.content ? { content: screened!.content } : {};
  return end(state, "authorized", succeeded, { ran, entries, ...content, ...(sentence ? { sentence } : {}) });
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
    // Adapters return faults as values; a throw is a bug or an infrastructure fault, reported without details. It
    // may have come after the host acted, so the call is not retried as if it had not run.
    console.error(`host ${host.id} threw on ${ctx.invocation_id}: ${describeFault(error)}`);
    const message = `The host ${host.label} failed unexpectedly; the call may have run there, so check before calling again.`;
    return { ok: false, error: { code: "host_unavailable", message, retryable: false }, host_ref: host.id };
  } finally {
    controller.abort();
  }
}

/**
 * How a call ends when a stage throws unexpectedly (a bug, or a port that broke its promise to return faults as
 * values): `failed` with `internal_error`, as a value the record stage writes like any other ending, so the
 * decision entry always gets its outcome entry and nothing throws past the pipeline.
 */
import { escalationEvent } from "../../approvals/escalations";
import type { CallState, Screened } from "../call-state";
import { failed, type Ending } from "../ending";
import { describeFault } from "../fault";
import type { PipelineDeps } from "../ports";
import { releaseClaim } from "./approval";

/** The code of a call that ended on an unexpected fault of Policy OS (docs/mcp.md). */
export const INTERNAL_ERROR = "internal_error";

type FaultDeps = Pick<PipelineDeps, "escalations" | "budgets" | "defer">;

/**
 * A stage before the host threw: nothing ran, so the claimed approval and any reserved budget are given back
 * (deferred, best effort; the budget book's alarm reclaims a hold that stays) and the call may be tried again.
 * `state` is the last one a stage handed on; the record stage appends its decision entry.
 */
export function faultedBeforeRun(deps: FaultDeps, state: CallState, error: unknown): Ending {
  console.error(`call ${state.invocation_id} faulted before running: ${describeFault(error)}`);
  giveBack(deps, state);
  const message = `${state.name} did not run: Policy OS failed unexpectedly while checking the call. Try again shortly.`;
  return failed(state, state.decision?.decision ?? "invalid", { code: INTERNAL_ERROR, message, retryable: true });
}

/**
 * Something threw after the decision entry was appended: the host may have acted, so the call is never retried
 * for the agent (`retryable: false`) and its outcome entry names the decision entry already on the ledger.
 */
export function faultedAfterRun(state: Screened, decision_entry_id: string, host_ref: string, error: unknown): Ending {
  console.error(`call ${state.invocation_id} faulted after its decision was recorded: ${describeFault(error)}`);
  const { approval, name, invocation_id } = state;
  const message = `${name} may have run, but Policy OS failed while finishing the call, so its result is lost. Check the host before calling again.`;
  let entries: ReturnType<typeof escalationEvent>[] = [];
  try {
    entries = approval ? [escalationEvent(approval, "executed", invocation_id)] : [];
  } catch {
    // The outcome entry matters more than the approval's event; the approval is still marked used.
  }
  return failed(state, "authorized", { code: INTERNAL_ERROR, message, retryable: false }, approval?.id ?? null, {
    ran: { decision_entry_id, host_ref, cost_cents: null },
    entries,
  });
}

function giveBack(deps: FaultDeps, state: CallState): void {
  const { invocation_id, budget } = state;
  const tenant_id = state.call.principal.tenant.id;
  const work = async () => {
    await releaseClaim(deps, state);
    if (budget.length > 0) await deps.budgets(tenant_id).release({ reservation_id: invocation_id });
  };
  try {
    deps.defer(work().catch((error) => console.error(`${invocation_id} not given back: ${describeFault(error)}`)));
  } catch (error) {
    console.error(`${invocation_id} not given back: ${describeFault(error)}`);
  }
}

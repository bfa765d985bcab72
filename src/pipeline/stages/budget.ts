import { budgetDenialMessage } from "../../budgets";
import type { BudgetDenial } from "../../budgets/types";
import { costLines, needsToolCost, reserveCosts, type Reservation } from "../../guards/budget";
import { capReached, type BudgetCrossing } from "../../guards/budget-thresholds";
import type { CompiledPolicy } from "../../policy";
import type { Decision } from "../../policy/types";
import type { Granted, Screened } from "../call-state";
import { denied, failed, next, type Ending, type Step } from "../ending";
import { deferSafely } from "../fault";
import type { Denial } from "../outcome";
import type { PipelineDeps } from "../ports";
import { releaseClaim } from "./approval";
import { decidedBy } from "./policy";

/** A pause-mode cap the call would pass: it waits for a person to allow the overrun (a budget increase). */
export interface BudgetHold {
  kind: "hold";
  state: Screened;
  /** The decision that holds it, under the cap's policy. */
  held: Decision;
}

type BudgetDeps = Pick<PipelineDeps, "budgets" | "toolCost" | "now" | "escalations" | "defer" | "budgetCrossed">;

/**
 * Budget: every cap the call counts against is reserved at once in the tenant's budget book. Over a cap the call is
 * denied, or held for a budget increase when the cap's policy pauses and no approval lifts it yet; a call running
 * under an approval is never held again. A call that stops here gives back the approval it claimed.
 */
export function budget(deps: BudgetDeps, state: Granted): Promise<Step<Screened>>;
export function budget(deps: BudgetDeps, state: Screened): Promise<Step<Screened> | BudgetHold>;
export async function budget(deps: BudgetDeps, state: Screened): Promise<Step<Screened> | BudgetHold> {
  const { decision, facts, invocation_id } = state;
  const tenant_id = state.call.principal.tenant.id;
  const costs = costLines(decision.guards, {
    vars: { args: state.args, ...facts },
    tool_cost_cents: needsToolCost(decision.guards)
      ? await deps.toolCost(tenant_id, state.name).catch(() => null)
      : null,
    approved: new Set(state.approval?.policy_ids ?? []),
  });
  if (!costs.ok) {
    await releaseClaim(deps, state);
    const decided = { ...state, decision: decidedBy(decision, costs.policy, "denied") };
    return denied(decided, costUnknown(costs.policy, costs.error));
  }
  const counted = {
    ...state,
    decision: { ...decision, condition_errors: [...decision.condition_errors, ...costs.errors] },
  };
  const reservation = await reserveCosts(deps.budgets(tenant_id), costs.lines, { invocation_id, now: deps.now() });
  switch (reservation.kind) {
    case "none":
    case "uncounted":
      return next(counted);
    case "reserved": {
      tellCrossings(deps, tenant_id, reservation.crossings);
      const { alerts, shadow } = counted.decision;
      const reserved = {
        ...counted.decision,
        alerts: [...alerts, ...reservation.alerts],
        shadow: [...shadow, ...reservation.shadow],
      };
      return next({ ...counted, budget: reservation.lines, decision: reserved });
    }
    case "unavailable":
      await releaseClaim(deps, counted);
      return failed(counted, "authorized", {
        code: "budget_unavailable",
        message: "The budget could not be checked, so the call did not run. Try again shortly.",
        retryable: true,
      });
    case "over_cap":
      return overCap(deps, counted, reservation);
  }
}

/** Past a cap: held for a budget increase when the cap pauses and no approval lifts it yet, else denied. */
async function overCap(
  deps: BudgetDeps,
  state: Screened,
  { line, denial }: Extract<Reservation, { kind: "over_cap" }>,
): Promise<Ending | BudgetHold> {
  tellCrossings(deps, state.call.principal.tenant.id, capReached(line, denial));
  if (line?.policy.mode === "pause" && !state.approval)
    return { kind: "hold", state, held: budgetHold(state.decision, line.policy, denial) };
  await releaseClaim(deps, state);
  const refused = line ? decidedBy(state.decision, line.policy, "denied") : state.decision;
  return denied(
    { ...state, decision: { ...refused, reason_code: "budget_exhausted" } },
    budgetDenial(denial, line?.policy),
  );
}

/** Tells the caps' channels, after the answer, of the thresholds this call took them across. */
function tellCrossings(deps: BudgetDeps, tenant_id: string, crossings: BudgetCrossing[]): void {
  if (crossings.length > 0)
    deferSafely(deps, `budget thresholds of ${tenant_id} not told`, () => deps.budgetCrossed(tenant_id, crossings));
}

/** A cap past which a pause-mode cost policy holds the call: the approver allows the overrun or not. */
function budgetHold(decision: Decision, policy: CompiledPolicy, denial: BudgetDenial): Decision {
  const held = decidedBy(decision, policy, "escalated");
  const reason_code = policy.reason_code === "budget_exhausted" ? "budget_increase_required" : policy.reason_code;
  return { ...held, reason_code, message: `${budgetDenialMessage(denial)} ${policy.message}` };
}

/** What the agent is told when a cap's Cost expression fails: nothing ran, since the cap could not be checked. */
function costUnknown(policy: CompiledPolicy, error: string): Denial {
  return {
    code: "cost_unknown",
    message: `The cost of this call could not be computed for policy "${policy.name}" (${error}), so it did not run.`,
    retryable: false,
    details: { policy: policy.policy_id, policy_name: policy.name },
  };
}

/** What the agent is told when a cap stops the call. */
function budgetDenial(denial: BudgetDenial, policy: CompiledPolicy | undefined): Denial {
  return {
    code: "budget_exhausted",
    message: budgetDenialMessage(denial),
    // Retrying helps only once the window resets; a run's cap never does.
    retryable: denial.resets_at !== null,
    details: { ...denial, policy: denial.policy_id, policy_name: policy?.name ?? null },
  };
}

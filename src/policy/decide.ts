import { admitsAgent, admitsUser } from "./applies-to";
import { CONDITION_BUDGET_EXCEEDED, type CompiledCondition, type ConditionOutcome, type ConditionVars } from "./cel";
import { atomsDecide } from "./condition-atoms";
import type { CompiledPolicy, PolicySnapshot } from "./compile";
import { matchPlan, ROW_KINDS } from "./decision-plan";
import { countBoth, firstBoth, idsAndNames, rowsBoth } from "./row-bits";
import { POSTURE_REASON, postureClause, toolClassOf } from "./posture";
import type { ConditionError, Decision, DecisionRequest, ShadowResult } from "./types";

/**
 * Decides one call against a snapshot. Pure and total: it never throws; an internal fault yields a
 * `denied` decision with reason `policy_engine_error` (fail closed). Reads the snapshot's index
 * (src/policy/decision-plan.ts); the answer equals decidePlainly's on every call.
 */
export function decide(snapshot: PolicySnapshot, request: DecisionRequest): Decision {
  try {
    // Most tools have a few candidate rows: they are decided row by row, without the index or its shape checks.
    if (snapshot.candidates(request.tool.name).length <= PLAIN_CANDIDATES)
      return decideRowByRow(snapshot, request, natively);
    return isPlannable(request) ? decideByPlan(snapshot, request) : decideRowByRow(snapshot, request, natively);
  } catch (error) {
    return engineError(snapshot, error);
  }
}

/**
 * Up to this many candidate rows, deciding each is as fast as reading the index (measured: spread sets average
 * six), and no index is built for the tool.
 */
export const PLAIN_CANDIDATES = 32;

/** decide() reading the index whatever the number of candidates: for tests and benchmarks of the index itself. */
export function decideWithIndex(snapshot: PolicySnapshot, request: DecisionRequest): Decision {
  try {
    return isPlannable(request) ? decideByPlan(snapshot, request) : decideRowByRow(snapshot, request, natively);
  } catch (error) {
    return engineError(snapshot, error);
  }
}

/**
 * The reference: decides by evaluating every candidate row in deciding order, with no index. Same contract as
 * decide(), which must give the same answer (test/policy/decide-index.property.test.ts).
 */
export function decidePlainly(snapshot: PolicySnapshot, request: DecisionRequest): Decision {
  try {
    return decideRowByRow(snapshot, request, interpreted);
  } catch (error) {
    return engineError(snapshot, error);
  }
}

/** How a row's condition is evaluated: by the interpreter, or by its native tests first (src/policy/condition-atoms.ts). */
type Evaluator = (condition: CompiledCondition, vars: ConditionVars) => ConditionOutcome;

const interpreted: Evaluator = (condition, vars) => condition.evaluate(vars);

const MATCHED: ConditionOutcome = { ok: true, matched: true };
const NOT_MATCHED: ConditionOutcome = { ok: true, matched: false };

/** A condition's argument tests are decided natively when they read their arguments, as the index does. */
const natively: Evaluator = (condition, vars) => {
  const held = condition.atoms === null ? undefined : atomsDecide(condition.atoms, vars.args);
  if (held === false) return NOT_MATCHED;
  return held === true && condition.rest.length === 0 ? MATCHED : condition.evaluate(vars);
};

/** The rows of one strength that apply (blocks, pauses or allows), in deciding order; built only when they decide. */
interface Deciding {
  readonly first: CompiledPolicy;
  readonly ids: string[];
  readonly names: string[];
  all(): readonly CompiledPolicy[];
}

/** The rows that apply to a call, sorted by what they do, each list in deciding order. */
interface Applying {
  /** The applying rows of that strength, or null when none applies. */
  deciding(strength: "block" | "pause" | "allow"): Deciding | null;
  alerts: string[];
  shadow: ShadowResult[];
  tags: string[];
  guards: CompiledPolicy[];
  conditionErrors: ConditionError[];
  /** Rows that apply only because their condition was stopped at its budget: they decide with its reason code. */
  overBudget: ReadonlySet<CompiledPolicy>;
}

/** Whether the request has the shape the index reads; anything else is decided plainly (and fails as it would). */
function isPlannable(request: DecisionRequest): boolean {
  if (typeof request !== "object" || request === null) return false;
  const { tool, agent, context } = request;
  if (typeof tool !== "object" || tool === null || typeof tool.name !== "string") return false;
  if (typeof agent !== "object" || agent === null) return false;
  if (typeof agent.id !== "string" || typeof agent.name !== "string") return false;
  if (agent.owner !== null && typeof agent.owner !== "string") return false;
  if (!Array.isArray(agent.scopes) || !agent.scopes.every((scope) => typeof scope === "string")) return false;
  if (typeof context !== "object" || context === null) return false;
  const optional = (value: unknown) => value === undefined || value === null || typeof value === "string";
  return optional(context.user) && optional(context.workspace);
}

function decideByPlan(snapshot: PolicySnapshot, request: DecisionRequest): Decision {
  const plan = snapshot.plan(request.tool.name);
  const { applying, errors, overBudget } = matchPlan(plan, request);
  const { rows, kinds, masks } = plan;
  const found: Applying = {
    deciding(strength) {
      const mask = masks[strength];
      const count = countBoth(applying, mask);
      if (count === 0) return null;
      const { ids, names } = idsAndNames(applying, mask, plan, count);
      return { first: rows[firstBoth(applying, mask)]!, ids, names, all: () => rowsBoth(applying, mask, rows) };
    },
    alerts: [],
    shadow: [],
    tags: [],
    guards: [],
    conditionErrors: [],
    overBudget: overBudget === null ? NO_ROWS : new Set([...overBudget].map((position) => rows[position]!)),
  };
  if (errors !== null)
    for (const position of [...errors.keys()].sort((x, y) => x - y))
      found.conditionErrors.push({ policy_id: rows[position]!.policy_id, error: errors.get(position)! });
  // Rows that tag, guard, shadow or alert, in deciding order; the deciding strengths are read from their masks.
  const { ALERT, SHADOW, GUARD, TAGGED } = ROW_KINDS;
  const other = masks.other;
  for (let w = 0; w < applying.length; w++) {
    let word = applying[w]! & other[w]!;
    while (word !== 0) {
      const low = word & -word;
      word ^= low;
      const position = (w << 5) + 31 - Math.clz32(low);
      const policy = rows[position]!;
      const kind = kinds[position]!;
      if (kind & TAGGED) for (const tag of policy.tags) if (!found.tags.includes(tag)) found.tags.push(tag);
      if (kind & GUARD) found.guards.push(policy);
      else if (kind & SHADOW) found.shadow.push(shadowOf(policy));
      else if (kind & ALERT) found.alerts.push(policy.policy_id);
    }
  }
  return concluded(snapshot, request, found);
}

const NO_ROWS: ReadonlySet<CompiledPolicy> = new Set();

function shadowOf(policy: CompiledPolicy): ShadowResult {
  return { policy_id: policy.policy_id, policy_name: policy.name, would: policy.mode, reason_code: policy.reason_code };
}

/** Decides by taking every candidate row in deciding order; `evaluate` gives each condition's outcome. */
function decideRowByRow(snapshot: PolicySnapshot, request: DecisionRequest, evaluate: Evaluator): Decision {
  const { tool, agent, context } = request;
  const candidates = snapshot.candidates(tool.name);
  const workspace = context.workspace ?? null;
  let vars: ConditionVars | undefined;
  const overBudget = new Set<CompiledPolicy>();
  const lists = { block: [] as CompiledPolicy[], pause: [] as CompiledPolicy[], allow: [] as CompiledPolicy[] };
  const found: Applying = {
    deciding(strength) {
      const list = lists[strength];
      if (list.length === 0) return null;
      const ids = list.map((policy) => policy.policy_id);
      return { first: list[0]!, ids, names: list.map((policy) => policy.name), all: () => list };
    },
    alerts: [],
    shadow: [],
    tags: [],
    guards: [],
    conditionErrors: [],
    overBudget,
  };
  const { tags } = found;

  for (const policy of candidates) {
    if (!admitsAgent(policy, agent, workspace) || !admitsUser(policy, agent, context)) continue;
    if (policy.compiledCondition) {
      vars ??= { args: request.args, agent, tool, context };
      const outcome = evaluate(policy.compiledCondition, vars);
      if (!outcome.ok) {
        const error = outcome.code ? `${outcome.code}: ${outcome.error}` : outcome.error;
        found.conditionErrors.push({ policy_id: policy.policy_id, error });
        if (!policy.failsClosed) continue;
        if (outcome.code === CONDITION_BUDGET_EXCEEDED) overBudget.add(policy);
      } else if (!outcome.matched) continue;
    }
    if (policy.guard) {
      // A guard applies its mode only when hit (src/pipeline/stages/guards.ts), Shadow rows included; tags apply as it runs.
      found.guards.push(policy);
      if (policy.status === "Active") for (const tag of policy.tags) if (!tags.includes(tag)) tags.push(tag);
      continue;
    }
    if (policy.status === "Shadow") {
      found.shadow.push(shadowOf(policy));
      continue;
    }
    for (const tag of policy.tags) if (!tags.includes(tag)) tags.push(tag);
    if (policy.mode === "block") lists.block.push(policy);
    else if (policy.mode === "pause") lists.pause.push(policy);
    else if (policy.mode === "alert") found.alerts.push(policy.policy_id);
    if (policy.type === "allow") lists.allow.push(policy);
  }
  return concluded(snapshot, request, found);
}

/** The decision the applying rows make: block, else pause, else allow, else the default posture. */
function concluded(snapshot: PolicySnapshot, request: DecisionRequest, found: Applying): Decision {
  const { alerts, shadow, tags, guards, conditionErrors, overBudget } = found;
  const base = { alerts, shadow, condition_errors: conditionErrors, tags, snapshot: snapshot.hash, guards };
  const byPolicies = (deciding: Deciding) => decidingPolicies(deciding, overBudget);
  const blocks = found.deciding("block");
  if (blocks) return { decision: "denied", ...byPolicies(blocks), approvers: [], ...base };
  const pauses = found.deciding("pause");
  if (pauses) {
    const approvers: string[] = [];
    for (const pause of pauses.all())
      for (const name of pause.approvers) if (!approvers.includes(name)) approvers.push(name);
    return { decision: "escalated", ...byPolicies(pauses), approvers, ...base };
  }
  const allows = found.deciding("allow");
  if (allows) return { decision: "authorized", ...byPolicies(allows), approvers: [], ...base };

  const toolClass = toolClassOf(request.tool.annotations);
  const effect = snapshot.posture[toolClass];
  return {
    decision: effect === "allow" ? "authorized" : effect === "hold" ? "escalated" : "denied",
    reason_code: POSTURE_REASON[effect],
    message: `No policy decided this call; under the default posture ${postureClause(toolClass, effect)}.`,
    policy_ids: [],
    policy_names: [],
    approvers: [],
    ...base,
  };
}

function decidingPolicies(deciding: Deciding, overBudget: ReadonlySet<CompiledPolicy>) {
  const { first } = deciding;
  const stopped = overBudget.has(first);
  return {
    reason_code: stopped ? CONDITION_BUDGET_EXCEEDED : first.reason_code,
    message: stopped
      ? `The condition of policy "${first.name}" needed more work than its budget allows on these arguments, so the policy applies (fail closed).`
      : first.message,
    policy_ids: deciding.ids,
    policy_names: deciding.names,
  };
}

function engineError(snapshot: PolicySnapshot, error: unknown): Decision {
  let hash = "";
  let detail = "unknown fault";
  try {
    hash = typeof snapshot.hash === "string" ? snapshot.hash : "";
    if (error instanceof Error) detail = String(error.message);
  } catch {
    // Even a hostile snapshot or error object ends in a denial.
  }
  return {
    decision: "denied",
    reason_code: "policy_engine_error",
    message: "The policy engine could not decide this call, so it was denied.",
    policy_ids: [],
    policy_names: [],
    alerts: [],
    shadow: [],
    condition_errors: [{ policy_id: "", error: `policy engine fault: ${detail}` }],
    tags: [],
    approvers: [],
    snapshot: hash,
    guards: [],
  };
}

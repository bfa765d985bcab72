import { admitsAgent, admitsUser } from "./applies-to";
import { CONDITION_BUDGET_EXCEEDED, type ConditionOutcome, type ConditionVars } from "./cel";
import { atomsDecide } from "./condition-atoms";
import type { CompiledPolicy, PolicySnapshot } from "./compile";
import { matchPlan, ROW_KINDS, type DecisionPlan } from "./decision-plan";
import { countBoth, firstBoth, idsUpTo } from "./row-bits";
import { POSTURE_REASON, postureClause, toolClassOf, type PostureEffect, type ToolClass } from "./posture";
import {
  DECIDING_LIST_LIMIT,
  DEFAULT_POSTURE,
  type ConditionError,
  type Decision,
  type DecisionRequest,
  type ShadowResult,
} from "./types";

/**
 * Decides one call against a snapshot. Pure and total: it never throws; an internal fault yields a
 * `denied` decision with reason `policy_engine_error` (fail closed). Reads the snapshot's index
 * (src/policy/decision-plan.ts); the answer equals decidePlainly's on every call.
 */
export function decide(snapshot: PolicySnapshot, request: DecisionRequest): Decision {
  try {
    const candidates = snapshot.candidates(request.tool.name);
    // Most tools have a few candidate rows: they are decided row by row, without the index or its shape checks.
    if (candidates.length <= PLAIN_CANDIDATES || !isPlannable(request))
      return decideRowByRow(snapshot, request, candidates, true);
    return decideByPlan(snapshot, request);
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
    if (isPlannable(request)) return decideByPlan(snapshot, request);
    return decideRowByRow(snapshot, request, snapshot.candidates(request.tool.name), true);
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
    return decideRowByRow(snapshot, request, snapshot.candidates(request.tool.name), false);
  } catch (error) {
    return engineError(snapshot, error);
  }
}

/** The lists every decision carries besides its deciding rows, gathered from the applying rows in deciding order. */
class Gathered {
  readonly alerts: string[] = [];
  readonly shadow: ShadowResult[] = [];
  readonly tags: string[] = [];
  readonly guards: CompiledPolicy[] = [];
  readonly conditionErrors: ConditionError[] = [];

  addTags(policy: CompiledPolicy): void {
    for (const tag of policy.tags) if (!this.tags.includes(tag)) this.tags.push(tag);
  }

  addShadow(policy: CompiledPolicy): void {
    const { policy_id, name, mode, reason_code } = policy;
    this.shadow.push({ policy_id, policy_name: name, would: mode, reason_code });
  }
}

const optional = (value: unknown) => value === undefined || value === null || typeof value === "string";
const isString = (value: unknown) => typeof value === "string";

/** Whether the request has the shape the index reads; anything else is decided plainly (and fails as it would). */
function isPlannable(request: DecisionRequest): boolean {
  if (typeof request !== "object" || request === null) return false;
  const { tool, agent, context } = request;
  if (typeof tool !== "object" || tool === null || typeof tool.name !== "string") return false;
  if (typeof agent !== "object" || agent === null) return false;
  if (typeof agent.id !== "string" || typeof agent.name !== "string") return false;
  if (agent.owner !== null && typeof agent.owner !== "string") return false;
  if (!Array.isArray(agent.scopes) || !agent.scopes.every(isString)) return false;
  if (typeof context !== "object" || context === null) return false;
  return optional(context.user) && optional(context.workspace);
}

function decideByPlan(snapshot: PolicySnapshot, request: DecisionRequest): Decision {
  const plan = snapshot.plan(request.tool.name);
  const { applying, errors, overBudget } = matchPlan(plan, request);
  const { rows, kinds, masks } = plan;
  const gathered = new Gathered();
  if (errors !== null)
    for (const position of [...errors.keys()].sort((x, y) => x - y))
      gathered.conditionErrors.push({ policy_id: rows[position]!.policy_id, error: errors.get(position)! });
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
      if (kind & TAGGED) gathered.addTags(policy);
      if (kind & GUARD) gathered.guards.push(policy);
      else if (kind & SHADOW) gathered.addShadow(policy);
      else if (kind & ALERT) gathered.alerts.push(policy.policy_id);
    }
  }
  let strength: "block" | "pause" | "allow" = "block";
  let first = firstBoth(applying, masks.block);
  if (first < 0) first = firstBoth(applying, masks[(strength = "pause")]);
  if (first < 0) first = firstBoth(applying, masks[(strength = "allow")]);
  if (first < 0) return decidedByPosture(snapshot, request, gathered);
  const mask = masks[strength];
  // The count reads words; only the listed ids are walked one by one.
  const listed = {
    ids: idsUpTo(applying, mask, plan.ids, DECIDING_LIST_LIMIT),
    count: countBoth(applying, mask, first),
  };
  const approvers = strength === "pause" ? approversOf(plan, applying) : [];
  const stopped = overBudget !== null && overBudget.has(first);
  return decidedByRows(snapshot, VERDICT[strength], rows[first]!, stopped, listed, approvers, gathered);
}

/** The approvers the applying pause rows name, in deciding order, each once. */
function approversOf(plan: DecisionPlan, applying: Uint32Array): string[] {
  const approvers: string[] = [];
  const naming = plan.masks.approving;
  for (let w = 0; w < applying.length; w++) {
    let word = applying[w]! & naming[w]!;
    while (word !== 0) {
      const low = word & -word;
      word ^= low;
      for (const name of plan.rows[(w << 5) + 31 - Math.clz32(low)]!.approvers)
        if (!approvers.includes(name)) approvers.push(name);
    }
  }
  return approvers;
}

const VERDICT = { block: "denied", pause: "escalated", allow: "authorized" } as const;

const MATCHED: ConditionOutcome = { ok: true, matched: true };
const NOT_MATCHED: ConditionOutcome = { ok: true, matched: false };

/**
 * Decides by taking every candidate row in deciding order. `natively`: a condition's argument tests are decided
 * without the interpreter when they read their arguments, as the index does; otherwise every condition is interpreted.
 */
function decideRowByRow(
  snapshot: PolicySnapshot,
  request: DecisionRequest,
  candidates: readonly CompiledPolicy[],
  natively: boolean,
): Decision {
  const { tool, agent, context } = request;
  const workspace = context.workspace ?? null;
  let vars: ConditionVars | undefined;
  // Created when first needed: most calls have no deciding row of a given strength and no condition over budget.
  let blocks: CompiledPolicy[] | null = null;
  let pauses: CompiledPolicy[] | null = null;
  let allows: CompiledPolicy[] | null = null;
  let overBudget: Set<CompiledPolicy> | null = null;
  const gathered = new Gathered();

  for (let i = 0; i < candidates.length; i++) {
    const policy = candidates[i]!;
    if (!admitsAgent(policy, agent, workspace) || !admitsUser(policy, agent, context)) continue;
    const condition = policy.compiledCondition;
    if (condition !== null) {
      const held = natively && condition.atoms !== null ? atomsDecide(condition.atoms, request.args) : undefined;
      let outcome: ConditionOutcome;
      if (held === false) outcome = NOT_MATCHED;
      else if (held === true && condition.rest.length === 0) outcome = MATCHED;
      else outcome = condition.evaluate((vars ??= { args: request.args, agent, tool, context }));
      if (!outcome.ok) {
        const error = outcome.code ? `${outcome.code}: ${outcome.error}` : outcome.error;
        gathered.conditionErrors.push({ policy_id: policy.policy_id, error });
        if (!policy.failsClosed) continue;
        if (outcome.code === CONDITION_BUDGET_EXCEEDED) (overBudget ??= new Set()).add(policy);
      } else if (!outcome.matched) continue;
    }
    if (policy.guard) {
      // A guard applies its mode only when hit (src/pipeline/stages/guards.ts), Shadow rows included; tags apply as it runs.
      gathered.guards.push(policy);
      if (policy.status === "Active") gathered.addTags(policy);
      continue;
    }
    if (policy.status === "Shadow") {
      gathered.addShadow(policy);
      continue;
    }
    gathered.addTags(policy);
    if (policy.mode === "block") (blocks ??= []).push(policy);
    else if (policy.mode === "pause") (pauses ??= []).push(policy);
    else if (policy.mode === "alert") gathered.alerts.push(policy.policy_id);
    if (policy.type === "allow") (allows ??= []).push(policy);
  }
  const deciding = blocks ?? pauses ?? allows;
  if (deciding === null) return decidedByPosture(snapshot, request, gathered);
  const first = deciding[0]!;
  const approvers: string[] = [];
  if (deciding === pauses)
    for (const pause of pauses) for (const name of pause.approvers) if (!approvers.includes(name)) approvers.push(name);
  const verdict = deciding === blocks ? "denied" : deciding === pauses ? "escalated" : "authorized";
  const stopped = overBudget !== null && overBudget.has(first);
  const listed = { ids: deciding.slice(0, DECIDING_LIST_LIMIT).map(idOf), count: deciding.length };
  return decidedByRows(snapshot, verdict, first, stopped, listed, approvers, gathered);
}

const idOf = (policy: CompiledPolicy) => policy.policy_id;

/** The deciding rows as a decision lists them: the first ids in deciding order, and how many decided in all. */
interface Listed {
  ids: string[];
  count: number;
}

/**
 * The decision of the deciding rows (`first` decides first; `stopped`: its condition was stopped at its budget, so
 * it applies with that reason).
 */
function decidedByRows(
  snapshot: PolicySnapshot,
  decision: Decision["decision"],
  first: CompiledPolicy,
  stopped: boolean,
  listed: Listed,
  approvers: string[],
  gathered: Gathered,
): Decision {
  const reason_code = stopped ? CONDITION_BUDGET_EXCEEDED : first.reason_code;
  const message = stopped
    ? `The condition of policy "${first.name}" needed more work than its budget allows on these arguments, so the policy applies (fail closed).`
    : first.message;
  return decisionOf(snapshot, gathered, decision, reason_code, message, listed, first.name, approvers);
}

/** Every decision is built here, with the same keys in the same order (one object shape for the engine). */
function decisionOf(
  snapshot: PolicySnapshot,
  gathered: Gathered,
  decision: Decision["decision"],
  reason_code: string,
  message: string,
  listed: Listed,
  policy_name: string | null,
  approvers: string[],
): Decision {
  return {
    decision,
    reason_code,
    message,
    policy_ids: listed.ids,
    policy_count: listed.count,
    policy_name,
    approvers,
    alerts: gathered.alerts,
    shadow: gathered.shadow,
    condition_errors: gathered.conditionErrors,
    tags: gathered.tags,
    snapshot: snapshot.hash,
    guards: gathered.guards,
  };
}

/** The message of each posture effect on each kind of tool, written once rather than on every call. */
const POSTURE_MESSAGES = Object.fromEntries(
  (Object.keys(DEFAULT_POSTURE) as ToolClass[]).map((toolClass) => [
    toolClass,
    Object.fromEntries(
      (Object.keys(POSTURE_REASON) as PostureEffect[]).map((effect) => [effect, postureMessage(toolClass, effect)]),
    ),
  ]),
) as Record<ToolClass, Record<PostureEffect, string | undefined>>;

function postureMessage(toolClass: ToolClass, effect: PostureEffect): string {
  return `No policy decided this call; under the default posture ${postureClause(toolClass, effect)}.`;
}

/** The decision of the default posture, when no block, pause or allow row applies. */
function decidedByPosture(snapshot: PolicySnapshot, request: DecisionRequest, gathered: Gathered): Decision {
  const toolClass = toolClassOf(request.tool.annotations);
  const effect = snapshot.posture[toolClass];
  const decision = effect === "allow" ? "authorized" : effect === "hold" ? "escalated" : "denied";
  const message = POSTURE_MESSAGES[toolClass][effect] ?? postureMessage(toolClass, effect);
  return decisionOf(snapshot, gathered, decision, POSTURE_REASON[effect], message, { ids: [], count: 0 }, null, []);
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
    policy_count: 0,
    policy_name: null,
    alerts: [],
    shadow: [],
    condition_errors: [{ policy_id: "", error: `policy engine fault: ${detail}` }],
    tags: [],
    approvers: [],
    snapshot: hash,
    guards: [],
  };
}

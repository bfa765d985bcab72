/**
 * The index decide() reads for one tool's candidate rows, built once per snapshot and candidate list: which rows
 * admit an agent, user or scope (hash maps), which conditions hold (thresholds sorted and binary-searched,
 * equality and membership as hash maps from value to rows, nested for `&&`), and the conditions no index covers,
 * each distinct one evaluated once per call however many rows share it. Its answer equals evaluating every row
 * (decidePlainly in src/policy/decide.ts); test/policy/decide-index.property.test.ts checks that on random sets.
 */
import { admitsAgent, admitsUser } from "./applies-to";
import { CONDITION_BUDGET_EXCEEDED, type CompiledCondition, type ConditionOutcome, type ConditionVars } from "./cel";
import type { CompiledPolicy } from "./compile";
import {
  atomsDecide,
  isNativeValue,
  readArgument,
  type AtomType,
  type ConditionAtom,
  type RangeOp,
} from "./condition-atoms";
import { hasBit, setBit, wordsFor } from "./row-bits";
import { PREFIX_STEP, prefixesOf, rangeOf } from "./threshold-range";
import type { DecisionRequest } from "./types";

/** Per-row flags the final pass reads (one byte per row). */
const BLOCK = 1;
const PAUSE = 2;
const ALERT = 4;
const ALLOW = 8;
const SHADOW = 16;
const GUARD = 32;
const TAGGED = 64;

/** Rows deciding together under one indexed test: equal values hashed, or number bounds sorted. */
interface AtomNode {
  /** Rows whose tests all held on the way here. */
  readonly always: Int32Array;
  /** Rows whose tests all held on the way here and that have other conjuncts to check (DecisionPlan.rest). */
  readonly checked: Int32Array;
  readonly equal: readonly EqualGroup[];
  readonly ranges: readonly RangeGroup[];
}

interface EqualGroup {
  readonly path: readonly string[];
  readonly type: AtomType;
  readonly buckets: ReadonlyMap<string | number | boolean, AtomNode>;
  /** Every row under this group: evaluated when the argument is not of the group's type. */
  readonly rows: Int32Array;
}

interface RangeGroup {
  readonly path: readonly string[];
  readonly op: RangeOp;
  /** Ascending; positions[i] and rest[i] belong to bounds[i]. */
  readonly bounds: Float64Array;
  readonly positions: Int32Array;
  /** The row's other tests, checked one by one (null: none). */
  readonly rest: readonly (readonly ConditionAtom[] | null)[];
  readonly rows: Int32Array;
  /**
   * Large groups without other tests: `prefixes[j]` holds the rows of entries [0, j × PREFIX_STEP) as a bitset and
   * `all` every row, so a matching range costs a few word operations instead of one per row.
   */
  readonly prefixes: readonly Uint32Array[] | null;
  readonly all: Uint32Array | null;
}

/** Rows sharing one condition no index covers: it runs once per call when any of them is admitted. */
interface SharedCondition {
  readonly condition: CompiledCondition;
  readonly positions: Int32Array;
}

/** The index of one candidate list; positions are indexes into `rows`, which is in deciding order. */
export interface DecisionPlan {
  readonly rows: readonly CompiledPolicy[];
  readonly words: number;
  /** Rows without a condition. */
  readonly unconditional: Uint32Array;
  /** Rows without Agents, Scopes or Users lists. */
  readonly open: Uint32Array;
  /** Restricted rows by one of the names their first list holds: agents, else users, else scopes. */
  readonly byAgent: ReadonlyMap<string, Int32Array>;
  readonly byUser: ReadonlyMap<string, Int32Array>;
  readonly byScope: ReadonlyMap<string, Int32Array>;
  /** 1 where the Agents list is the row's only list, so finding it under the agent's id or name admits it. */
  readonly agentsOnly: Uint8Array;
  readonly native: AtomNode;
  /**
   * By position: the conjuncts beside a row's indexed tests (`args.amount > 500 && args.memo.contains("x")`), one
   * instance per source text, so each runs once per call however many rows share it; null for none.
   */
  readonly rest: readonly (readonly CompiledCondition[] | null)[];
  readonly shared: readonly SharedCondition[];
  readonly kinds: Uint8Array;
  /**
   * Active block, pause and allow rows (they decide), rows that tag, guard, shadow or alert, and pause rows that
   * name approvers.
   */
  readonly masks: Readonly<Record<"block" | "pause" | "allow" | "other" | "approving", Uint32Array>>;
  /** policy_id by position, for the decision's list. */
  readonly ids: readonly string[];
  /**
   * The bitsets a call's walk writes, allocated once: typed arrays of this size live outside the JS heap, and
   * allocating them on every call cost more than a small walk. decide() is synchronous, so two walks of one plan
   * never overlap; each starts by overwriting them.
   */
  readonly scratch: { readonly applying: Uint32Array; readonly admitted: Uint32Array };
}

/** A row that applies to the call, found by the plan. */
export interface PlannedMatch {
  /**
   * Rows that apply (admitted, and condition held or failed closed), as a bitset over plan positions: the plan's
   * scratch, valid until its next match.
   */
  readonly applying: Uint32Array;
  /** Condition errors of admitted rows, by position (null: none). */
  readonly errors: ReadonlyMap<number, string> | null;
  /** Positions whose condition was stopped at its budget (null: none). */
  readonly overBudget: ReadonlySet<number> | null;
}

function pushTo<K>(map: Map<K, number[]>, key: K, position: number): void {
  const list = map.get(key);
  if (!list) map.set(key, [position]);
  else if (list[list.length - 1] !== position) list.push(position);
}

const frozen = <K>(map: Map<K, number[]>) => new Map([...map].map(([key, list]) => [key, Int32Array.from(list)]));

interface Pending {
  position: number;
  atoms: readonly ConditionAtom[];
  /** Whether the row has conjuncts besides its tests. */
  more: boolean;
}

const pathKey = (path: readonly string[]) => JSON.stringify(path);

/** The test a node indexes a row by: an equality first (it narrows most), else a range; ties by path. */
function keyAtom(atoms: readonly ConditionAtom[]): number {
  let best = 0;
  for (let i = 1; i < atoms.length; i++) {
    const a = atoms[i]!;
    const b = atoms[best]!;
    if (a.test !== b.test) {
      if (a.test === "equal") best = i;
    } else if (pathKey(a.path) < pathKey(b.path)) best = i;
  }
  return best;
}

function buildNode(pending: readonly Pending[], words: number): AtomNode {
  const always: number[] = [];
  const checked: number[] = [];
  const equal = new Map<string, { path: readonly string[]; type: AtomType; byKey: Map<unknown, Pending[]> }>();
  const ranges = new Map<
    string,
    { path: readonly string[]; op: RangeOp; entries: { bound: number; item: Pending }[] }
  >();
  for (const item of pending) {
    if (item.atoms.length === 0) {
      (item.more ? checked : always).push(item.position);
      continue;
    }
    const index = keyAtom(item.atoms);
    const atom = item.atoms[index]!;
    const rest = { position: item.position, atoms: item.atoms.filter((_, i) => i !== index), more: item.more };
    if (atom.test === "equal") {
      const id = `${atom.type}:${pathKey(atom.path)}`;
      let group = equal.get(id);
      if (!group) equal.set(id, (group = { path: atom.path, type: atom.type, byKey: new Map() }));
      for (const key of atom.keys) {
        const list = group.byKey.get(key);
        if (!list) group.byKey.set(key, [rest]);
        else if (list[list.length - 1]?.position !== item.position) list.push(rest);
      }
    } else {
      // Rows without other tests get their own group, which large sets index by prefix bitsets.
      const only = rest.atoms.length === 0 && !rest.more;
      const id = `${atom.op}:${pathKey(atom.path)}:${only ? "only" : "more"}`;
      let group = ranges.get(id);
      if (!group) ranges.set(id, (group = { path: atom.path, op: atom.op, entries: [] }));
      group.entries.push({ bound: atom.bound, item: rest });
    }
  }
  const rowsOf = (items: Iterable<Pending>) => Int32Array.from(new Set([...items].map((item) => item.position)));
  return {
    always: Int32Array.from(always),
    checked: Int32Array.from(checked),
    equal: [...equal.values()].map(({ path, type, byKey }) => ({
      path,
      type,
      buckets: new Map([...byKey].map(([key, items]) => [key as string | number | boolean, buildNode(items, words)])),
      rows: rowsOf([...byKey.values()].flat()),
    })),
    ranges: [...ranges.values()].map(({ path, op, entries }) => {
      entries.sort((a, b) => a.bound - b.bound);
      const positions = Int32Array.from(entries, (entry) => entry.item.position);
      const rest = entries.map((entry) =>
        entry.item.atoms.length === 0 && !entry.item.more ? null : entry.item.atoms,
      );
      const prefixed = rest.every((others) => others === null) ? prefixesOf(positions, words) : null;
      return {
        path,
        op,
        bounds: Float64Array.from(entries, (entry) => entry.bound),
        positions,
        rest,
        rows: rowsOf(entries.map((entry) => entry.item)),
        prefixes: prefixed?.prefixes ?? null,
        all: prefixed?.all ?? null,
      };
    }),
  };
}

function kindOf(policy: CompiledPolicy): number {
  let kind = policy.status === "Active" && policy.tags.length > 0 ? TAGGED : 0;
  if (policy.guard) return kind | GUARD;
  if (policy.status === "Shadow") return kind | SHADOW;
  if (policy.mode === "block") kind |= BLOCK;
  else if (policy.mode === "pause") kind |= PAUSE;
  else if (policy.mode === "alert") kind |= ALERT;
  if (policy.type === "allow") kind |= ALLOW;
  return kind;
}

/** Builds the plan of one candidate list (in deciding order). */
export function buildDecisionPlan(rows: readonly CompiledPolicy[]): DecisionPlan {
  const words = wordsFor(rows.length);
  const unconditional = new Uint32Array(words);
  const open = new Uint32Array(words);
  const byAgent = new Map<string, number[]>();
  const byUser = new Map<string, number[]>();
  const byScope = new Map<string, number[]>();
  const agentsOnly = new Uint8Array(rows.length);
  const native: Pending[] = [];
  const shared = new Map<CompiledCondition, number[]>();
  const rest: (readonly CompiledCondition[] | null)[] = [];
  const conjuncts = new Map<string, CompiledCondition>();
  const kinds = new Uint8Array(rows.length);
  const masks = {
    block: new Uint32Array(words),
    pause: new Uint32Array(words),
    allow: new Uint32Array(words),
    other: new Uint32Array(words),
    approving: new Uint32Array(words),
  };
  rows.forEach((policy, position) => {
    const kind = kindOf(policy);
    kinds[position] = kind;
    if (kind & BLOCK) setBit(masks.block, position);
    if (kind & PAUSE) setBit(masks.pause, position);
    if (kind & PAUSE && policy.approvers.length > 0) setBit(masks.approving, position);
    if (kind & ALLOW) setBit(masks.allow, position);
    if (kind & (TAGGED | GUARD | SHADOW | ALERT)) setBit(masks.other, position);
    if (policy.agentSet) {
      for (const name of policy.agentSet) pushTo(byAgent, name, position);
      if (!policy.scopeSet && !policy.userSet) agentsOnly[position] = 1;
    } else if (policy.userSet) for (const name of policy.userSet) pushTo(byUser, name, position);
    else if (policy.scopeSet) for (const name of policy.scopeSet) pushTo(byScope, name, position);
    else setBit(open, position);
    const condition = policy.compiledCondition;
    if (!condition) setBit(unconditional, position);
    else if (condition.atoms) native.push({ position, atoms: condition.atoms, more: condition.rest.length > 0 });
    else pushTo(shared, condition, position);
    rest[position] =
      condition?.atoms && condition.rest.length > 0
        ? condition.rest.map((part) => conjuncts.get(part.source) ?? (conjuncts.set(part.source, part), part))
        : null;
  });
  return {
    rows,
    words,
    unconditional,
    open,
    byAgent: frozen(byAgent),
    byUser: frozen(byUser),
    byScope: frozen(byScope),
    agentsOnly,
    native: buildNode(native, words),
    rest,
    shared: [...shared].map(([condition, positions]) => ({ condition, positions: Int32Array.from(positions) })),
    kinds,
    masks,
    ids: rows.map((policy) => policy.policy_id),
    scratch: { applying: new Uint32Array(words), admitted: new Uint32Array(words) },
  };
}

/** One call's walk over a plan. */
class Matcher {
  readonly applying: Uint32Array;
  readonly admitted: Uint32Array;
  // Created on first use: most calls raise no error and evaluate no condition.
  private errors: Map<number, string> | null = null;
  private overBudget: Set<number> | null = null;
  private outcomes: Map<CompiledCondition, ConditionOutcome> | null = null;
  private vars: ConditionVars | undefined;

  constructor(
    private readonly plan: DecisionPlan,
    private readonly request: DecisionRequest,
  ) {
    this.applying = plan.scratch.applying;
    this.applying.set(plan.unconditional);
    this.admitted = plan.scratch.admitted;
    this.admitted.set(plan.open);
  }

  admit(): void {
    const { plan, request } = this;
    const { agent, context } = request;
    const workspace = context.workspace ?? null;
    this.admitFrom(plan.byAgent.get(agent.id), workspace);
    if (agent.name !== agent.id) this.admitFrom(plan.byAgent.get(agent.name), workspace);
    if (plan.byUser.size > 0) {
      const user = context.user ?? agent.owner;
      if (user !== null) this.admitFrom(plan.byUser.get(user), workspace);
    }
    if (plan.byScope.size > 0) {
      for (const scope of agent.scopes) this.admitFrom(plan.byScope.get(scope), workspace);
      if (workspace !== null) this.admitFrom(plan.byScope.get(workspace), workspace);
    }
  }

  private admitFrom(positions: Int32Array | undefined, workspace: string | null): void {
    if (!positions) return;
    const { rows, agentsOnly } = this.plan;
    const { agent, context } = this.request;
    for (const position of positions) {
      if (agentsOnly[position] === 1) setBit(this.admitted, position);
      else {
        const policy = rows[position]!;
        if (admitsAgent(policy, agent, workspace) && admitsUser(policy, agent, context))
          setBit(this.admitted, position);
      }
    }
  }

  private outcomeOf(condition: CompiledCondition): ConditionOutcome {
    this.outcomes ??= new Map();
    let outcome = this.outcomes.get(condition);
    if (!outcome) {
      const { agent, tool, context, args } = this.request;
      this.vars ??= { args, agent, tool, context };
      outcome = condition.evaluate(this.vars);
      this.outcomes.set(condition, outcome);
    }
    return outcome;
  }

  /** Records a row's evaluated outcome as plain evaluation would. */
  private record(position: number, outcome: ConditionOutcome): void {
    if (outcome.ok) {
      if (outcome.matched) setBit(this.applying, position);
      return;
    }
    this.errors ??= new Map();
    this.errors.set(position, outcome.code ? `${outcome.code}: ${outcome.error}` : outcome.error);
    const policy = this.plan.rows[position]!;
    if (!policy.failsClosed) return;
    setBit(this.applying, position);
    if (outcome.code === CONDITION_BUDGET_EXCEEDED) (this.overBudget ??= new Set()).add(position);
  }

  /** Evaluates each admitted row's own condition: for arguments the native tests cannot read. */
  private evaluateEach(positions: Int32Array): void {
    for (const position of positions)
      if (hasBit(this.admitted, position))
        this.record(position, this.outcomeOf(this.plan.rows[position]!.compiledCondition!));
  }

  evaluateShared(): void {
    for (const { condition, positions } of this.plan.shared) {
      let outcome: ConditionOutcome | undefined;
      for (const position of positions) {
        if (!hasBit(this.admitted, position)) continue;
        outcome ??= this.outcomeOf(condition);
        // A condition that does not hold for one row holds for none of the rows sharing it.
        if (outcome.ok && !outcome.matched) break;
        this.record(position, outcome);
      }
    }
  }

  matchNode(node: AtomNode): void {
    const { applying } = this;
    for (const position of node.always) setBit(applying, position);
    for (const position of node.checked) this.matchConjuncts(position);
    const args = this.request.args;
    for (const group of node.equal) {
      const value = readArgument(args, group.path);
      if (!isNativeValue(value, group.type)) this.evaluateEach(group.rows);
      else {
        const child = group.buckets.get(value);
        if (child) this.matchNode(child);
      }
    }
    for (const group of node.ranges) {
      const value = readArgument(args, group.path);
      if (!isNativeValue(value, "number")) {
        this.evaluateEach(group.rows);
        continue;
      }
      let [from, to] = rangeOf(group.bounds, group.op, value as number);
      const { positions, rest, prefixes, all } = group;
      if (prefixes !== null && all !== null) [from, to] = this.setPrefixed(group.op, from, to, prefixes, all);
      for (let i = from; i < to; i++) {
        const others = rest[i];
        if (others === null) setBit(applying, positions[i]!);
        else this.matchRest(positions[i]!, others!);
      }
    }
  }

  /** Sets the rows of whole prefix steps within [from, to) by words; returns the entries left to set one by one. */
  private setPrefixed(
    op: RangeOp,
    from: number,
    to: number,
    prefixes: readonly Uint32Array[],
    all: Uint32Array,
  ): [number, number] {
    const { applying } = this;
    if (op === ">" || op === ">=") {
      // [0, to): whole steps from the prefix, then the rest of the last step.
      const steps = Math.floor(to / PREFIX_STEP);
      const prefix = prefixes[steps]!;
      for (let w = 0; w < applying.length; w++) applying[w]! |= prefix[w]!;
      return [steps * PREFIX_STEP, to];
    }
    // [from, end): the start of the first whole step after `from`, to the end, is `all` less a prefix.
    const steps = Math.ceil(from / PREFIX_STEP);
    if (steps >= prefixes.length) return [from, to];
    const prefix = prefixes[steps]!;
    for (let w = 0; w < applying.length; w++) applying[w]! |= all[w]! & ~prefix[w]!;
    return [from, steps * PREFIX_STEP];
  }

  /** A row whose indexed test held: its other tests, natively when their arguments can be read. */
  private matchRest(position: number, atoms: readonly ConditionAtom[]): void {
    const held = atomsDecide(atoms, this.request.args);
    if (held === true) this.matchConjuncts(position);
    else if (held === undefined && hasBit(this.admitted, position))
      this.record(position, this.outcomeOf(this.plan.rows[position]!.compiledCondition!));
  }

  /** A row whose tests all held: its other conjuncts, each run once per call; any error is left to its condition. */
  private matchConjuncts(position: number): void {
    const conjuncts = this.plan.rest[position];
    if (!conjuncts) return setBit(this.applying, position);
    if (!hasBit(this.admitted, position)) return;
    let settled = true;
    for (const conjunct of conjuncts) {
      const outcome = this.outcomeOf(conjunct);
      if (outcome.ok && !outcome.matched) return; // `false && anything` is false in CEL, errors included.
      if (!outcome.ok) settled = false;
    }
    if (settled) setBit(this.applying, position);
    else this.record(position, this.outcomeOf(this.plan.rows[position]!.compiledCondition!));
  }

  finish(): PlannedMatch {
    const { applying, admitted } = this;
    for (let w = 0; w < applying.length; w++) applying[w]! &= admitted[w]!;
    return { applying, errors: this.errors, overBudget: this.overBudget };
  }
}

/** The rows of a plan that apply to a call: admitted, with their conditions holding or failing closed. */
export function matchPlan(plan: DecisionPlan, request: DecisionRequest): PlannedMatch {
  const matcher = new Matcher(plan, request);
  matcher.admit();
  matcher.matchNode(plan.native);
  matcher.evaluateShared();
  return matcher.finish();
}

/** What the final pass needs of a row: the BLOCK… flags. */
export const ROW_KINDS = { BLOCK, PAUSE, ALERT, ALLOW, SHADOW, GUARD, TAGGED } as const;

/** Most tool names whose plans are kept (as for candidates); the memo starts over when it is full. */
export const PLAN_MEMO_LIMIT = 4096;

function sameRows(a: readonly CompiledPolicy[], b: readonly CompiledPolicy[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Plans by tool name, built on first use. Tools with the same candidate rows share one plan (a `*.read` glob over
 * thousands of rows is indexed once, not once per tool).
 */
export function plannerOf(
  candidates: (toolName: string) => readonly CompiledPolicy[],
): (toolName: string) => DecisionPlan {
  const byName = new Map<string, DecisionPlan>();
  const byRows = new Map<string, DecisionPlan[]>();
  return (toolName) => {
    const known = byName.get(toolName);
    if (known) return known;
    const rows = candidates(toolName);
    let hash = 0x811c9dc5;
    for (const policy of rows) hash = Math.imul(hash ^ policy.rank, 0x01000193);
    const signature = `${rows.length}:${hash >>> 0}`;
    const alike = byRows.get(signature) ?? [];
    let plan = alike.find((other) => sameRows(other.rows, rows));
    if (!plan) {
      plan = buildDecisionPlan(rows);
      alike.push(plan);
      byRows.set(signature, alike);
    }
    if (byName.size >= PLAN_MEMO_LIMIT) {
      byName.clear();
      byRows.clear();
    }
    byName.set(toolName, plan);
    return plan;
  };
}

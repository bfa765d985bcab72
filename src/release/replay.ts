/**
 * Replay: each recorded decision input decided again against a candidate snapshot and against the snapshot in
 * force, with the same decide(). Pure: the caller reads the inputs and compiles both snapshots.
 */
import { decide, type CompiledPolicy, type PolicySnapshot } from "../policy";
import type { Decision } from "../policy/types";
import { argumentReads, readsRedacted, type ArgumentReads } from "./argument-reads";
import type { DecisionInput } from "../db/decision-inputs";
import { rowSignature } from "./changed-rows";
import { readsContext, replayKeyOf } from "./replay-key";

/** At most this many recorded calls are replayed for one candidate (the newest). */
export const MAX_REPLAYED = 100_000;

/** Examples kept per group of changed calls, and groups kept per report. */
const EXAMPLES_PER_GROUP = 3;
const MAX_GROUPS = 50;

/** One side of a change: the verdict and its reason code. */
export interface ReplayVerdict {
  decision: Decision["decision"];
  reason_code: string;
}

/** One recorded call, redacted, as a report shows it. */
export interface ReplayExample {
  invocation_id: string;
  created_at: string;
  args: Record<string, unknown>;
}

/** Calls of one tool and agent whose verdict would change the same way. */
export interface ReplayGroup {
  tool: string;
  agent: string;
  from: ReplayVerdict;
  to: ReplayVerdict;
  calls: number;
  examples: ReplayExample[];
}

/** Calls whose answer depends on a value redaction removed, by tool and agent: reported, never guessed. */
export interface IndeterminateGroup {
  tool: string;
  agent: string;
  calls: number;
  /** The redacted paths the deciding rows may read. */
  paths: string[];
  examples: ReplayExample[];
}

/** What replaying recorded calls against a candidate found. */
export interface ReplayReport {
  /** Calls replayed. */
  calls: number;
  /** Calls whose verdict would change. */
  changed: number;
  /** Calls whose verdict cannot be known from their redacted arguments. */
  indeterminate: number;
  /** Changed calls by tool, agent and reason codes, largest first (at most 50 groups). */
  groups: ReplayGroup[];
  indeterminate_groups: IndeterminateGroup[];
}

/**
 * Replays `inputs` (at most {@link MAX_REPLAYED}) against `inForce` and `candidate`. A call is indeterminate when
 * the tool's rows differ between the two snapshots and a row of either may read an argument redaction changed;
 * otherwise it is changed when the two verdicts differ. Each distinct request (src/release/replay-key.ts) is decided
 * once per snapshot: the report equals {@link replayPlainly}'s.
 */
export function replay(
  inputs: readonly DecisionInput[],
  inForce: PolicySnapshot,
  candidate: PolicySnapshot,
): ReplayReport {
  const verdicts = new Map<string, Verdicts>();
  let lookups = 0;
  let hits = 0;
  return replayWith(inputs, inForce, candidate, (input, sides) => {
    // A key costs about what deciding does: traffic that does not repeat early is decided without keys.
    if (lookups === MEMO_TRIAL && hits * MEMO_WORTH < lookups) return verdictsOf(input, inForce, candidate);
    lookups++;
    const key = replayKeyOf(input, sides.readsContext);
    const known = verdicts.get(key);
    if (known) {
      hits++;
      return known;
    }
    const fresh = verdictsOf(input, inForce, candidate);
    if (verdicts.size < MEMO_LIMIT) verdicts.set(key, fresh);
    return fresh;
  });
}

/** The reference: {@link replay} deciding every recorded call against both snapshots, with no memo. */
export function replayPlainly(
  inputs: readonly DecisionInput[],
  inForce: PolicySnapshot,
  candidate: PolicySnapshot,
): ReplayReport {
  return replayWith(inputs, inForce, candidate, (input) => verdictsOf(input, inForce, candidate));
}

/** Distinct requests whose verdicts one replay remembers: the memo's memory stays bounded beside the inputs'. */
const MEMO_LIMIT = 20_000;
/** Keyed calls after which the memo is kept only if at least one in {@link MEMO_WORTH} repeated an earlier one. */
const MEMO_TRIAL = 2_000;
const MEMO_WORTH = 10;

/** One call's verdicts from the snapshot in force and from the candidate. */
interface Verdicts {
  before: ReplayVerdict;
  after: ReplayVerdict;
}

function verdictsOf(input: DecisionInput, inForce: PolicySnapshot, candidate: PolicySnapshot): Verdicts {
  const request = { ...input.facts, args: input.args };
  return { before: verdictOf(decide(inForce, request)), after: verdictOf(decide(candidate, request)) };
}

const verdictOf = ({ decision, reason_code }: Decision): ReplayVerdict => ({ decision, reason_code });

/** The replay, with `decided` giving the verdicts of a call whose tool's rows differ and that is not indeterminate. */
function replayWith(
  inputs: readonly DecisionInput[],
  inForce: PolicySnapshot,
  candidate: PolicySnapshot,
  decided: (input: DecisionInput, sides: Differing) => Verdicts,
): ReplayReport {
  const report: ReplayReport = { calls: 0, changed: 0, indeterminate: 0, groups: [], indeterminate_groups: [] };
  const changes = new Map<string, ReplayGroup>();
  const unknowns = new Map<string, IndeterminateGroup>();
  const tools = toolSides(inForce, candidate);
  const count = Math.min(inputs.length, MAX_REPLAYED);
  for (let n = 0; n < count; n++) {
    const input = inputs[n]!;
    report.calls++;
    const { tool, agent } = input.facts;
    const side = tools(tool.name);
    if (side.same) continue;
    if (
      input.redacted.length > 0 &&
      (readsRedacted(side.before, input.redacted) || readsRedacted(side.after, input.redacted))
    ) {
      report.indeterminate++;
      const key = `${tool.name}\n${agent.name}`;
      let group = unknowns.get(key);
      if (!group)
        unknowns.set(key, (group = { tool: tool.name, agent: agent.name, calls: 0, paths: [], examples: [] }));
      group.calls++;
      for (const path of input.redacted)
        if (!group.paths.includes(path) && group.paths.length < 10) group.paths.push(path);
      if (group.examples.length < EXAMPLES_PER_GROUP) group.examples.push(exampleOf(input));
      continue;
    }
    const { before, after } = decided(input, side);
    if (before.decision === after.decision) continue;
    report.changed++;
    const key = `${tool.name}\n${agent.name}\n${before.decision}\n${before.reason_code}\n${after.decision}\n${after.reason_code}`;
    let group = changes.get(key);
    if (!group)
      changes.set(
        key,
        (group = {
          tool: tool.name,
          agent: agent.name,
          from: { ...before },
          to: { ...after },
          calls: 0,
          examples: [],
        }),
      );
    group.calls++;
    if (group.examples.length < EXAMPLES_PER_GROUP) group.examples.push(exampleOf(input));
  }
  report.groups = [...changes.values()].sort((a, b) => b.calls - a.calls).slice(0, MAX_GROUPS);
  report.indeterminate_groups = [...unknowns.values()].sort((a, b) => b.calls - a.calls).slice(0, MAX_GROUPS);
  return report;
}

function exampleOf(input: DecisionInput): ReplayExample {
  return { invocation_id: input.invocation_id, created_at: input.created_at, args: input.args };
}

/** A tool whose rows differ between the two snapshots: the arguments each side may read, and whether either may read the context. */
interface Differing {
  same: false;
  before: ArgumentReads;
  after: ArgumentReads;
  readsContext: boolean;
}

/** How one tool stands in the two snapshots: the same rows and posture (nothing can change), or how they differ. */
type ToolSides = { same: true } | Differing;

/** A memo of {@link ToolSides} per tool name for one replay. */
function toolSides(inForce: PolicySnapshot, candidate: PolicySnapshot): (tool: string) => ToolSides {
  const memo = new Map<string, ToolSides>();
  const samePosture = JSON.stringify(inForce.posture) === JSON.stringify(candidate.posture);
  return (tool) => {
    let sides = memo.get(tool);
    if (!sides) {
      const before = inForce.candidates(tool);
      const after = candidate.candidates(tool);
      sides =
        samePosture && signature(before) === signature(after)
          ? { same: true }
          : {
              same: false,
              before: readsOf(before),
              after: readsOf(after),
              readsContext: readsContext(before) || readsContext(after),
            };
      memo.set(tool, sides);
    }
    return sides;
  };
}

/** What a tool's rows say, in deciding order: two equal signatures decide every call of the tool alike. */
function signature(rows: readonly CompiledPolicy[]): string {
  return rows.map(rowSignature).join("\n");
}

/** What any of a tool's rows may read among the arguments. */
function readsOf(rows: readonly CompiledPolicy[]): ArgumentReads {
  const keys = new Set<string>();
  for (const row of rows) {
    const reads = argumentReads(row.condition);
    if (reads.all) return reads;
    for (const key of reads.keys) keys.add(key);
  }
  return { all: false, keys };
}

/**
 * Shadow → Active: what each row a candidate activates (Shadow in the snapshot in force, Active in the candidate)
 * would have done to the recorded calls while it was in shadow, read from the shadow results decide() gives for
 * them. Pure: the caller reads the inputs.
 */
import type { DecisionInput } from "../db/decision-inputs";
import { decide, type PolicySnapshot } from "../policy";
import { argumentReads, readsRedacted } from "./argument-reads";
import type { ReplayExample } from "./replay";

/** What one activated row would have done to the recorded calls of its tools. */
export interface ShadowActivation {
  policy_id: string;
  name: string;
  /** The row's mode: what it does when it matches (block, pause, allow, …). */
  mode: string;
  /** Recorded calls of the row's tools. */
  calls: number;
  /** Of them, the calls the row matched while in shadow. */
  matched: number;
  /** Calls whose match cannot be known: the row's condition may read a value redaction removed. */
  indeterminate: number;
  examples: ReplayExample[];
}

const EXAMPLES = 3;

/** The rows `candidate` activates, each with what it would have done to `inputs` while in shadow. */
export function shadowActivations(
  inputs: readonly DecisionInput[],
  inForce: PolicySnapshot,
  candidate: PolicySnapshot,
): ShadowActivation[] {
  const active = new Set(candidate.policies.filter((row) => row.status === "Active").map((row) => row.policy_id));
  const rows = inForce.policies.filter((row) => row.status === "Shadow" && active.has(row.policy_id));
  if (rows.length === 0) return [];
  const found = rows.map((row) => ({
    row,
    reads: argumentReads(row.condition),
    activation: {
      policy_id: row.policy_id,
      name: row.name,
      mode: row.mode,
      calls: 0,
      matched: 0,
      indeterminate: 0,
      examples: [],
    } as ShadowActivation,
  }));
  for (const input of inputs) {
    const tool = input.facts.tool.name;
    const mine = found.filter(({ row }) => inForce.candidates(tool).includes(row));
    if (mine.length === 0) continue;
    const shadow = decide(inForce, { ...input.facts, args: input.args }).shadow;
    for (const { row, reads, activation } of mine) {
      activation.calls++;
      if (readsRedacted(reads, input.redacted)) activation.indeterminate++;
      else if (shadow.some((result) => result.policy_id === row.policy_id)) {
        activation.matched++;
        if (activation.examples.length < EXAMPLES)
          activation.examples.push({
            invocation_id: input.invocation_id,
            created_at: input.created_at,
            args: input.args,
          });
      }
    }
  }
  return found.map(({ activation }) => activation);
}

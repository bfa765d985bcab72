import { describe, expect, expectTypeOf, it } from "vitest";
import type { Escalation } from "../../src/approvals/escalations";
import type { CostLine } from "../../src/guards/budget";
import type { GuardHit } from "../../src/guards/screen";
import {
  chainEntries,
  canonicalJson,
  decisionEntry,
  escalationEntry,
  GENESIS,
  LEDGER_ENTRY_KINDS,
  LEDGER_ENTRY_SCHEMAS,
  outcomeEntry,
  parseLedgerEntry,
  policySyncEntry,
  releaseAcceptedEntry,
  releaseEntry,
  type DecisionBodyV1,
  type EscalationBodyV1,
  type Ledger,
  type LedgerEntry,
  type LedgerEntryInput,
  type LooseLedgerEntryInput,
  type OutcomeBodyV1,
} from "../../src/ledger";
import { evidenceLines } from "../../src/ledger/evidence";
import { verifyEvidence } from "../../src/ledger/evidence-verify";
import type { Outcome } from "../../src/pipeline/outcome";
import type { ConditionError, Decision, ShadowResult } from "../../src/policy/types";
import type { Redaction } from "../../src/redaction/types";
import { recorded } from "./recorded-bodies";

const AT = "2026-01-15T12:00:00.000Z";

/** The entries as the ledger stores them (canonical bodies, hashed), in order from seq 1. */
const stored = (...inputs: LooseLedgerEntryInput[]) => chainEntries(GENESIS, "acme", AT, inputs);

/** Every recorded body as the entry its writer appends. */
const recordedEntries: LedgerEntryInput[] = [
  decisionEntry("inv_1", recorded.decisionApproved),
  decisionEntry("inv_2", recorded.decisionRedacted),
  decisionEntry("inv_3", recorded.decisionEscalated),
  decisionEntry("inv_4", recorded.decisionInvalid),
  outcomeEntry("inv_1", recorded.outcomeSucceeded),
  outcomeEntry("inv_5", recorded.outcomeWithheld),
  outcomeEntry("inv_3", recorded.outcomePending),
  escalationEntry("inv_3", recorded.escalationOpened),
  escalationEntry(null, recorded.escalationDecided),
  escalationEntry(null, recorded.escalationDecisionUnattributed),
  escalationEntry(null, recorded.escalationExpired),
  escalationEntry("inv_1", recorded.escalationExecuted),
  policySyncEntry(recorded.policySync),
  releaseEntry(recorded.release),
  releaseAcceptedEntry(recorded.releaseAccepted),
];

/** The problem parseLedgerEntry reports for one stored entry of `kind` with `body`, or null when it reads it. */
function problemWith(kind: string, body: unknown): string | null {
  const [entry] = stored({ kind, invocation_id: null, body } as LooseLedgerEntryInput);
  const parsed = parseLedgerEntry(entry!);
  return parsed.ok ? null : parsed.problem;
}

describe("ledger entry schemas, version 1", () => {
  it("has a schema for every kind", () => {
    expect(Object.keys(LEDGER_ENTRY_SCHEMAS).sort()).toEqual([...LEDGER_ENTRY_KINDS].sort());
  });

  it("reads every entry exactly as the pipeline, the approvals intake and the policy sync write it today", () => {
    for (const entry of stored(...(recordedEntries as LooseLedgerEntryInput[]))) {
      const parsed = parseLedgerEntry(entry);
      expect(parsed, `${entry.kind} ${canonicalJson(entry.body)}`).toMatchObject({ ok: true, entry: { version: 1 } });
      if (parsed.ok) expect(parsed.entry.body).toStrictEqual(entry.body);
    }
  });

  it("gives the typed body by kind", () => {
    const [decision, escalation] = stored(
      decisionEntry("inv_1", recorded.decisionApproved),
      escalationEntry(null, recorded.escalationDecided),
    );
    const read = [parseLedgerEntry(decision!), parseLedgerEntry(escalation!)];
    const tags = read.map((parsed) => (parsed.ok && parsed.entry.kind === "decision" ? parsed.entry.body.tags : null));
    expect(tags).toEqual([["SOX"], null]);
    const decided = read[1]!.ok && read[1]!.entry.kind === "escalation" ? read[1]!.entry.body : null;
    expect(decided?.event === "decided" ? decided.decided_by : null).toBe("ops@example.com");
  });

  it("builds with the typed constructors the same entries, so their hashes do not change", () => {
    const typed = stored(decisionEntry("inv_1", recorded.decisionApproved), policySyncEntry(recorded.policySync));
    const literal = stored(
      { kind: "decision", invocation_id: "inv_1", body: recorded.decisionApproved },
      { kind: "policy_sync", invocation_id: null, body: recorded.policySync },
    );
    expect(typed.map((entry) => entry.hash)).toEqual(literal.map((entry) => entry.hash));
  });

  it("reports a missing member", () => {
    const { tags: _tags, ...untagged } = recorded.decisionApproved;
    expect(problemWith("decision", untagged)).toMatch(/^the decision v1 body does not match its schema: tags: /);
    const { data_hash: _hash, ...unhashed } = recorded.outcomeSucceeded;
    expect(problemWith("outcome", unhashed)).toMatch(/data_hash/);
    const { approvers: _approvers, ...noApprovers } = recorded.escalationOpened;
    expect(problemWith("escalation", noApprovers)).toMatch(/approvers/);
    const { previous: _previous, ...noPrevious } = recorded.policySync;
    expect(problemWith("policy_sync", noPrevious)).toMatch(/previous/);
  });

  it("reports a mistyped member, deep or shallow", () => {
    expect(problemWith("decision", { ...recorded.decisionApproved, tags: "SOX" })).toMatch(/tags/);
    expect(problemWith("decision", { ...recorded.decisionApproved, decision: "allowed" })).toMatch(/decision/);
    const badHit = { ...recorded.decisionRedacted.guards[0]!, found: "$.fields.notes" };
    expect(problemWith("decision", { ...recorded.decisionRedacted, guards: [badHit] })).toMatch(/guards\.0\.found/);
    expect(problemWith("outcome", { ...recorded.outcomeSucceeded, status: "ok" })).toMatch(/status/);
    expect(problemWith("escalation", { ...recorded.escalationDecided, source: "email" })).toMatch(/source/);
    expect(problemWith("escalation", { ...recorded.escalationDecided, event: "cancelled" })).toMatch(/event/);
    expect(problemWith("policy_sync", { ...recorded.policySync, previous: 1 })).toMatch(/previous/);
  });

  it("reports a member no v1 body has", () => {
    expect(problemWith("outcome", { ...recorded.outcomeSucceeded, cost_cents: 5 })).toMatch(/cost_cents/);
    expect(problemWith("escalation", { ...recorded.escalationExpired, decided_by: "ops@example.com" })).toMatch(
      /decided_by/,
    );
  });

  it("takes a body without v as version 1, and reports a version it does not know instead of guessing", () => {
    expect(problemWith("decision", { ...recorded.decisionApproved, v: 2 })).toBe(
      "decision v2 is not a known version (known: 1)",
    );
    expect(problemWith("outcome", { ...recorded.outcomeSucceeded, v: "2" })).toBe(
      'the outcome body\'s version v "2" is not a positive integer',
    );
    expect(problemWith("outcome", { ...recorded.outcomeSucceeded, v: 0 })).toMatch(/not a positive integer/);
    // Version 1 is told by v's absence: a v1 body never carries it.
    expect(problemWith("outcome", { ...recorded.outcomeSucceeded, v: 1 })).toMatch(/^the outcome v1 body .*"v"/);
  });

  it("reports a kind it has no schema for", () => {
    expect(problemWith("gossip", {})).toBe('kind "gossip" has no schema');
  });

  it("takes the build sites' typed values without casts", () => {
    expectTypeOf<Decision["decision"] | "invalid">().toExtend<DecisionBodyV1["decision"]>();
    expectTypeOf<ShadowResult[]>().toExtend<DecisionBodyV1["shadow"]>();
    expectTypeOf<ConditionError[]>().toExtend<DecisionBodyV1["condition_errors"]>();
    expectTypeOf<Redaction[]>().toExtend<DecisionBodyV1["redactions"]>();
    expectTypeOf<GuardHit[]>().toExtend<DecisionBodyV1["guards"]>();
    expectTypeOf<
      Pick<CostLine, "policy_id" | "scope" | "subject" | "window" | "unit" | "amount" | "limit">[]
    >().toExtend<DecisionBodyV1["budget"]>();
    expectTypeOf<Outcome["correlation"]>().toExtend<DecisionBodyV1["correlation"]>();
    expectTypeOf<Escalation["decided_by"]>().toExtend<DecisionBodyV1["approved_by"]>();
    expectTypeOf<Outcome["outcome"]>().toExtend<OutcomeBodyV1["outcome"]>();
    expectTypeOf<Outcome["status"]>().toExtend<OutcomeBodyV1["status"]>();
    expectTypeOf<GuardHit[] | undefined>().toExtend<OutcomeBodyV1["guards"]>();
    expectTypeOf<Escalation["executed_at"]>().toExtend<
      Extract<EscalationBodyV1, { event: "executed" }>["executed_at"]
    >();
  });
});

describe("evidence verification reads bodies by their schemas", () => {
  /** An evidence export of `inputs` (every entry tagged or of a tagged call), its lines verified. */
  async function verified(inputs: LooseLedgerEntryInput[]) {
    const entries = stored(...inputs);
    const ledger: Pick<Ledger, "head" | "list"> = {
      head: async () => ({
        tenant_id: "acme",
        entries: entries.length,
        seq: entries.length,
        hash: entries.at(-1)!.hash,
      }),
      list: async ({ after_seq = 0, limit = 100 } = {}): Promise<LedgerEntry[]> =>
        entries.slice(after_seq, after_seq + limit),
    };
    const lines: string[] = [];
    for await (const line of evidenceLines(ledger, "acme", { tag: "SOX", from: null, to: null })) lines.push(line);
    return verifyEvidence(lines);
  }

  it("finds nothing wrong with entries as they are written today", async () => {
    const verification = await verified([
      decisionEntry("inv_1", recorded.decisionApproved),
      escalationEntry(null, recorded.escalationDecided),
      outcomeEntry("inv_1", recorded.outcomeSucceeded),
      escalationEntry("inv_1", recorded.escalationExecuted),
    ]);
    expect(verification).toMatchObject({ ok: true, entries: 4, problems: [] });
  });

  it("reports an entry whose body does not match its schema with its seq, and exports it", async () => {
    const verification = await verified([
      decisionEntry("inv_1", recorded.decisionApproved),
      { kind: "outcome", invocation_id: "inv_1", body: { outcome: "succeeded" } },
      { kind: "decision", invocation_id: "inv_9", body: { tags: ["PCI"], v: 2 } },
    ]);
    expect(verification.entries).toBe(3);
    expect(verification.problems.map((p) => [p.seq, p.problem])).toEqual([
      [2, expect.stringMatching(/^the outcome v1 body does not match its schema: status: /)],
      [3, "decision v2 is not a known version (known: 1)"],
    ]);
  });
});

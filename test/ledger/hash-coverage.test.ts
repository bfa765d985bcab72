/**
 * Every field of a stored entry is covered: changing any one of them, in storage, makes both the ledger's own
 * verify() and the offline evidence verifier fail at that entry. The offline check asserts "the hash does not
 * recompute" at that seq, so each row fails if its field were left out of the hash preimage, even where another
 * check (seq order, id, link) would also catch the change.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  decisionEntry,
  escalationEntry,
  outcomeEntry,
  type JsonValue,
  type Ledger,
  type LedgerEntry,
} from "../../src/ledger";
import { EVIDENCE_SUMMARY_KIND } from "../../src/ledger/evidence";
import { verifyEvidence } from "../../src/ledger/evidence-verify";
import { freshLedger } from "./helpers";
import { recorded } from "./recorded-bodies";

type Body = { [key: string]: JsonValue };
type Column = "seq" | "id" | "tenant_id" | "at" | "kind" | "invocation_id" | "body" | "prev_hash" | "hash";

/** One change to one field of one stored entry, and the seq verification must report for it. */
interface Tamper {
  change: string;
  seq: number;
  column: Column;
  /** The column's new value, from the entry as it was stored (a body as its canonical JSON text). */
  to: (entry: LedgerEntry) => string | number | null;
  /** Where verification reports it, when not at `seq` (a changed seq is reported at the seq the entry now has). */
  reported?: number;
}

/** Five entries, one append each: a call with its escalation decided in between, then a call left pending. */
async function fiveEntries(): Promise<ReturnType<typeof freshLedger>> {
  const fresh = freshLedger();
  for (const input of [
    decisionEntry("inv_1", recorded.decisionApproved),
    escalationEntry(null, recorded.escalationDecided),
    outcomeEntry("inv_1", recorded.outcomeSucceeded),
    decisionEntry("inv_2", recorded.decisionEscalated),
    outcomeEntry("inv_2", recorded.outcomePending),
  ])
    await fresh.ledger.append(fresh.tenant, [input]);
  return fresh;
}

/** The whole ledger as an evidence export: every entry as stored, then the summary with the head. */
async function exportAll(ledger: Ledger, tenant_id: string): Promise<string[]> {
  const entries = await ledger.list({ limit: 1000 });
  const head = await ledger.head();
  const summary = {
    kind: EVIDENCE_SUMMARY_KIND,
    tenant_id,
    tag: "all",
    from: null,
    to: null,
    entries: entries.length,
    invocations: 2,
    head: { seq: head.seq, hash: head.hash },
    verify: "hash-coverage",
  };
  return [...entries.map((entry) => canonicalJson(entry)), canonicalJson(summary)];
}

/** The entry's body with `edit` applied, as the canonical JSON text the ledger stores. */
function bodyWith(edit: (body: Body) => Body): (entry: LedgerEntry) => string {
  return (entry) => canonicalJson(edit(structuredClone(entry.body)));
}

/** `hash` with its last hex digit changed. */
function offByOne(hash: string): string {
  return hash.slice(0, -1) + (hash.endsWith("0") ? "1" : "0");
}

const tampers: Tamper[] = [
  {
    change: "moving at one millisecond later",
    seq: 3,
    column: "at",
    to: (e) => new Date(Date.parse(e.at) + 1).toISOString(),
  },
  { change: "changing kind to another known kind", seq: 3, column: "kind", to: () => "decision" },
  { change: "changing invocation_id to another invocation", seq: 3, column: "invocation_id", to: () => "inv_2" },
  { change: "changing invocation_id from a value to null", seq: 3, column: "invocation_id", to: () => null },
  { change: "changing invocation_id from null to a value", seq: 2, column: "invocation_id", to: () => "inv_1" },
  {
    change: "changing a body value",
    seq: 3,
    column: "body",
    to: bodyWith((body) => ({ ...body, outcome: "failed" })),
  },
  {
    change: "changing a nested body number by one",
    seq: 1,
    column: "body",
    to: bodyWith((body) => {
      const budget = body.budget as Body[];
      budget[0] = { ...budget[0]!, amount: (budget[0]!.amount as number) + 1 };
      return body;
    }),
  },
  {
    change: "changing a nested body value from null to a string",
    seq: 1,
    column: "body",
    to: bodyWith((body) => ({ ...body, correlation: { ...(body.correlation as Body), run_id: "run_1" } })),
  },
  {
    change: "renaming a body key, its value kept",
    seq: 3,
    column: "body",
    to: bodyWith(({ host_ref, ...rest }) => ({ ...rest, host_reference: host_ref! })),
  },
  {
    change: "removing a body member",
    seq: 3,
    column: "body",
    to: bodyWith(({ data_hash: _gone, ...rest }) => rest),
  },
  { change: "adding a body member", seq: 2, column: "body", to: bodyWith((body) => ({ ...body, v: 1 })) },
  { change: "changing tenant_id", seq: 3, column: "tenant_id", to: () => "tenant_other" },
  { change: "changing id", seq: 3, column: "id", to: () => "led_9" },
  { change: "changing the newest entry's seq", seq: 5, column: "seq", to: () => 6, reported: 6 },
  { change: "changing prev_hash", seq: 3, column: "prev_hash", to: (e) => offByOne(e.prev_hash) },
  { change: "changing hash", seq: 3, column: "hash", to: (e) => offByOne(e.hash) },
];

/** The column's value as the ledger stores it. */
function stored(entry: LedgerEntry, column: Column): string | number | null {
  return column === "body" ? canonicalJson(entry.body) : entry[column];
}

describe("ledger hash coverage", () => {
  it("an untouched ledger verifies, in the ledger and offline", async () => {
    const { tenant, ledger } = await fiveEntries();
    expect(await ledger.verify()).toEqual({ ok: true, entries: 5, first_bad_seq: null });
    expect(verifyEvidence(await exportAll(ledger, tenant))).toMatchObject({ ok: true, entries: 5, problems: [] });
  });

  it.each(tampers.map((tamper) => [tamper.change, tamper.seq, tamper] as const))(
    "%s at seq %i fails verification at that entry, in the ledger and offline",
    async (_change, _seq, { seq, column, to, reported = seq }) => {
      const { tenant, ledger, stub } = await fiveEntries();
      const entry = (await ledger.get(seq))!;
      const value = to(entry);
      expect(value).not.toEqual(stored(entry, column));
      await runInDurableObject(stub, (_instance, state) => {
        state.storage.sql.exec(`UPDATE ledger_entries SET ${column} = ? WHERE seq = ?`, value, seq);
      });

      expect(await ledger.verify()).toEqual({ ok: false, entries: 5, first_bad_seq: reported });
      const offline = verifyEvidence(await exportAll(ledger, tenant));
      expect(offline.ok).toBe(false);
      expect(offline.problems[0]?.seq).toBe(reported);
      expect(offline.problems).toContainEqual(
        expect.objectContaining({ seq: reported, problem: "the hash does not recompute" }),
      );
    },
  );
});

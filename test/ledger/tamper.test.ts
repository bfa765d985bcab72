import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { outcomeEntry, verifyChain, type Ledger, type LedgerEntry } from "../../src/ledger";
import { appendDecisions, freshLedger } from "./helpers";
import { recorded } from "./recorded-bodies";

/** A 1,200-entry ledger (more than one verification page) with `sql` run against its storage. */
async function tampered(sql: string[]): Promise<Ledger> {
  const { tenant, ledger, stub } = freshLedger();
  await appendDecisions(ledger, tenant, 12);
  await ledger.append(
    tenant,
    Array.from({ length: 1188 }, (_, i) => outcomeEntry(`inv_${i}`, recorded.outcomeSucceeded)),
  );
  await runInDurableObject(stub, (_instance, state) => {
    for (const statement of sql) state.storage.sql.exec(statement);
  });
  return ledger;
}

/** Every entry, read through `list` as an auditor's export would. */
async function exported(ledger: Ledger): Promise<LedgerEntry[]> {
  const all: LedgerEntry[] = [];
  for (let page = await ledger.list({ limit: 1000 }); page.length;) {
    all.push(...page);
    page = await ledger.list({ after_seq: page[page.length - 1]!.seq, limit: 1000 });
  }
  return all;
}

const cases: [string, string[], number][] = [
  ["an altered body", [`UPDATE ledger_entries SET body = '{"n":999}' WHERE seq = 5`], 5],
  ["an altered body late in the chain", [`UPDATE ledger_entries SET body = '{"i":-1}' WHERE seq = 1100`], 1100],
  ["an altered hash", [`UPDATE ledger_entries SET hash = '${"ab".repeat(32)}' WHERE seq = 7`], 7],
  ["a deleted entry", ["DELETE FROM ledger_entries WHERE seq = 4"], 5],
  [
    "a reordered entry",
    [
      "UPDATE ledger_entries SET seq = -1 WHERE seq = 3",
      "UPDATE ledger_entries SET seq = 3 WHERE seq = 4",
      "UPDATE ledger_entries SET seq = 4 WHERE seq = -1",
    ],
    3,
  ],
  ["an altered tenant", ["UPDATE ledger_entries SET tenant_id = 'other' WHERE seq = 600"], 600],
];

describe("ledger verification", () => {
  it.each(cases)("catches %s and reports the first bad seq", async (_name, sql, first_bad_seq) => {
    const ledger = await tampered(sql);
    const verification = await ledger.verify();
    expect(verification).toMatchObject({ ok: false, first_bad_seq });
    expect(verifyChain(await exported(ledger))).toMatchObject(verification);
  });

  it("catches a body that is no longer JSON", async () => {
    const ledger = await tampered(["UPDATE ledger_entries SET body = '{not json' WHERE seq = 9"]);
    expect(await ledger.verify()).toEqual({ ok: false, entries: 1200, first_bad_seq: 9 });
  });

  it("agrees with the offline verifier on an intact ledger", async () => {
    const ledger = await tampered([]);
    const verification = await ledger.verify();
    expect(verification).toEqual({ ok: true, entries: 1200, first_bad_seq: null });
    expect(verifyChain(await exported(ledger))).toMatchObject(verification);
  });
});

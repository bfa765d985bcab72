import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Ledger, LedgerDO, LedgerEntry, LedgerStub } from "../../src/ledger";
import { toBase64 } from "../../src/ledger/merkle";
import { appendDecisions, decision, freshLedger } from "./helpers";

/** More entries than one INSERT binds (11 entry rows, 33 tree nodes per statement), so a group spans statements. */
const K = 100;
const TENANT = "acme";

/** A fresh ledger whose clock stands still, so two ledgers given the same inputs chain the same hashes. */
async function stillLedger(): Promise<{ ledger: Ledger; stub: LedgerStub }> {
  const { ledger, stub } = freshLedger();
  await runInDurableObject<LedgerDO, void>(stub, (instance) => {
    instance.clock = () => new Date("2026-12-07T05:00:00.000Z");
  });
  return { ledger, stub };
}

async function everything(ledger: Ledger, stub: LedgerStub) {
  const entries: LedgerEntry[] = await ledger.list({ limit: 1000 });
  const heads = [];
  for (let size = 0; size <= K; size++) heads.push(await ledger.treeHead(size));
  const inclusions = [];
  for (let seq = 1; seq <= K; seq++) inclusions.push(await ledger.inclusionProof(seq));
  const consistencies = [];
  for (let from = 0; from <= K; from += 7) consistencies.push(await ledger.consistencyProof(from));
  const nodes = await runInDurableObject(stub, (_instance, state) =>
    state.storage.sql
      .exec<{ level: number; idx: number; hash: ArrayBuffer }>(
        "SELECT level, idx, hash FROM ledger_tree ORDER BY level, idx",
      )
      .toArray()
      .map((row) => `${row.level}/${row.idx}/${toBase64(new Uint8Array(row.hash))}`),
  );
  return { entries, heads, inclusions, consistencies, nodes };
}

describe("a group commit of many appends", () => {
  it("stores the entries, tree nodes, roots and proofs that the same appends one at a time store", async () => {
    const grouped = await stillLedger();
    const results = await Promise.all(
      Array.from({ length: K }, (_, i) => grouped.ledger.append(TENANT, [decision(i + 1)])),
    );
    const single = await stillLedger();
    await appendDecisions(single.ledger, TENANT, K);

    const [a, b] = [await everything(grouped.ledger, grouped.stub), await everything(single.ledger, single.stub)];
    // Each caller got its own entry's id back, in the order the calls were made.
    expect(results).toEqual(Array.from({ length: K }, (_, i) => [`led_${i + 1}`]));
    expect(results.flat()).toEqual(a.entries.map((entry) => entry.id));
    expect(a.entries).toHaveLength(K);
    expect(a.entries).toStrictEqual(b.entries);
    expect(a.heads).toStrictEqual(b.heads);
    expect(a.inclusions).toStrictEqual(b.inclusions);
    expect(a.consistencies).toStrictEqual(b.consistencies);
    expect(a.nodes).toStrictEqual(b.nodes);
    expect(a.nodes).toHaveLength(K - 3); // a perfect subtree of 2 or more leaves per completed pair: K minus its bits
    expect(await grouped.ledger.verify()).toEqual({ ok: true, entries: K, first_bad_seq: null });
  });

  it("of one append carrying many entries, stores the same as those entries appended one at a time", async () => {
    const batched = await stillLedger();
    await batched.ledger.append(
      TENANT,
      Array.from({ length: K }, (_, i) => decision(i + 1)),
    );
    const single = await stillLedger();
    await appendDecisions(single.ledger, TENANT, K);
    expect(await everything(batched.ledger, batched.stub)).toStrictEqual(await everything(single.ledger, single.stub));
  });
});

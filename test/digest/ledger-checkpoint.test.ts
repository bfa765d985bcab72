import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { GENESIS_HASH, type LedgerDO } from "../../src/ledger";
import { decision, freshLedger } from "../ledger/helpers";

/** Appends one decision per instant, each stamped at its instant. */
async function appendAt(instants: string[]) {
  const { tenant, ledger, stub } = freshLedger("digest");
  for (const [i, at] of instants.entries())
    await runInDurableObject<LedgerDO, void>(stub, async (instance) => {
      instance.clock = () => new Date(at);
      await instance.append(tenant, [decision(i + 1)]);
    });
  return { ledger, entries: await ledger.list({}) };
}

describe("the ledger's checkpoint for a digest", () => {
  it("is the last entry stamped before the week's end, not one stamped at or after it", async () => {
    const { ledger, entries } = await appendAt([
      "2026-11-16T00:00:00.000Z",
      "2026-11-22T23:59:59.999Z",
      "2026-11-23T00:00:00.000Z",
      "2026-11-24T08:00:00.000Z",
    ]);
    expect(await ledger.checkpoint("2026-11-23T00:00:00.000Z")).toEqual({
      seq: 2,
      hash: entries[1]!.hash,
      at: "2026-11-22T23:59:59.999Z",
    });
  });

  it("is the head when every entry came before the instant", async () => {
    const { ledger, entries } = await appendAt(["2026-11-17T10:00:00.000Z", "2026-11-18T10:00:00.000Z"]);
    const head = await ledger.head();
    expect(await ledger.checkpoint("2026-11-19T00:00:00.000Z")).toEqual({
      seq: head.seq,
      hash: head.hash,
      at: entries[1]!.at,
    });
  });

  it("is the genesis when no entry came before the instant", async () => {
    const { ledger } = await appendAt(["2026-11-24T08:00:00.000Z"]);
    expect(await ledger.checkpoint("2026-11-23T00:00:00.000Z")).toEqual({ seq: 0, hash: GENESIS_HASH, at: null });
    const { ledger: empty } = await appendAt([]);
    expect(await empty.checkpoint("2026-11-23T00:00:00.000Z")).toEqual({ seq: 0, hash: GENESIS_HASH, at: null });
  });

  it("reads an instant with an offset as the same moment in UTC", async () => {
    const { ledger } = await appendAt(["2026-11-22T23:30:00.000Z"]);
    expect((await ledger.checkpoint("2026-11-23T01:00:00+02:00")).seq).toBe(0);
    expect((await ledger.checkpoint("2026-11-23T01:00:00+01:00")).seq).toBe(1);
  });
});

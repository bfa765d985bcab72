import { describe, expect, it } from "vitest";
import { chainEntries, entryHash, GENESIS, GENESIS_HASH, verifyChain } from "../../src/ledger/chain";
import type { LedgerEntry } from "../../src/ledger/types";
import { decision } from "./helpers";

const AT = "2026-05-01T12:00:00.000Z";
const chain = (count: number): LedgerEntry[] =>
  chainEntries(
    GENESIS,
    "acme",
    AT,
    Array.from({ length: count }, (_, i) => decision(i + 1)),
  );

describe("chainEntries", () => {
  it("numbers entries from 1, links each to the previous hash and hashes everything but the hash", () => {
    const [first, second] = chain(2);
    expect(first).toMatchObject({ id: "led_1", seq: 1, tenant_id: "acme", at: AT, prev_hash: GENESIS_HASH });
    expect(second).toMatchObject({ id: "led_2", seq: 2, prev_hash: first!.hash });
    const { hash, ...unsealed } = first!;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(entryHash(unsealed)).toBe(hash);
  });

  it("continues from a given position", () => {
    const [first] = chain(1);
    const [next] = chainEntries({ seq: 1, hash: first!.hash }, "acme", AT, [decision(2)]);
    expect(next).toMatchObject({ seq: 2, id: "led_2", prev_hash: first!.hash });
  });

  it("stores the body in its canonical form, dropping undefined members", () => {
    const [entry] = chainEntries(GENESIS, "acme", AT, [
      { kind: "outcome", invocation_id: null, body: { b: 1, a: undefined } as never },
    ]);
    expect(entry!.body).toStrictEqual({ b: 1 });
  });
});

describe("verifyChain", () => {
  it("accepts an intact chain and an empty one", () => {
    expect(verifyChain(chain(5))).toMatchObject({ ok: true, entries: 5, first_bad_seq: null, end: { seq: 5 } });
    expect(verifyChain([])).toEqual({ ok: true, entries: 0, first_bad_seq: null, end: GENESIS });
  });

  it("verifies a page that continues from an earlier position", () => {
    const entries = chain(6);
    const first = verifyChain(entries.slice(0, 3));
    expect(verifyChain(entries.slice(3), first.end)).toMatchObject({ ok: true, entries: 3 });
    expect(verifyChain(entries.slice(3)).first_bad_seq).toBe(4);
  });

  it("reports an altered body at its seq", () => {
    const entries = chain(5);
    entries[2] = { ...entries[2]!, body: { n: 999 } };
    expect(verifyChain(entries)).toMatchObject({ ok: false, entries: 5, first_bad_seq: 3 });
  });

  it("reports a rehashed entry at the next one, whose link no longer matches", () => {
    const entries = chain(5);
    const { hash: _old, ...tampered } = { ...entries[2]!, body: { n: 999 } };
    entries[2] = { ...tampered, hash: entryHash(tampered) };
    expect(verifyChain(entries).first_bad_seq).toBe(4);
  });

  it("reports a gap at the entry after it and a swap at the first moved entry", () => {
    const entries = chain(5);
    expect(verifyChain([...entries.slice(0, 2), ...entries.slice(3)]).first_bad_seq).toBe(4);
    expect(verifyChain([entries[0]!, entries[2]!, entries[1]!, entries[3]!]).first_bad_seq).toBe(3);
  });

  it("ignores members an exporter added", () => {
    expect(verifyChain(chain(3).map((e) => ({ ...e, exported_by: "auditor" }))).ok).toBe(true);
  });
});

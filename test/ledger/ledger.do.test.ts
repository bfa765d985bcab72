import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  GENESIS_HASH,
  ledgerFor,
  outcomeEntry,
  policySyncEntry,
  verifyChain,
  type LedgerDO,
  type LedgerEntry,
} from "../../src/ledger";
import { appendDecisions, decision, freshLedger, ledgerEnv, refusal } from "./helpers";
import { recorded } from "./recorded-bodies";

describe("LedgerDO", () => {
  it("appends entries that chain and verify", async () => {
    const { tenant, ledger } = freshLedger();
    expect(await ledger.append(tenant, [decision(1)])).toEqual(["led_1"]);
    expect(await ledger.append(tenant, [outcomeEntry("inv_1", recorded.outcomeSucceeded)])).toEqual(["led_2"]);
    const [first, second] = await ledger.list({});
    expect(first).toMatchObject({ id: "led_1", seq: 1, tenant_id: tenant, prev_hash: GENESIS_HASH });
    expect(second).toMatchObject({ id: "led_2", seq: 2, kind: "outcome", prev_hash: first!.hash });
    expect(await ledger.verify()).toEqual({ ok: true, entries: 2, first_bad_seq: null });
    expect(await ledger.head()).toEqual({ tenant_id: tenant, entries: 2, seq: 2, hash: second!.hash });
  });

  it("starts an empty ledger at seq 0 with the genesis hash", async () => {
    const { tenant, ledger } = freshLedger();
    expect(await ledger.head()).toEqual({ tenant_id: tenant, entries: 0, seq: 0, hash: GENESIS_HASH });
    expect(await ledger.verify()).toEqual({ ok: true, entries: 0, first_bad_seq: null });
    expect(await ledger.list({})).toEqual([]);
  });

  it("numbers entries from 1 without gaps", async () => {
    const { tenant, ledger } = freshLedger();
    await appendDecisions(ledger, tenant, 7);
    const entries = await ledger.list({});
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(entries.map((e) => e.id)).toEqual(["led_1", "led_2", "led_3", "led_4", "led_5", "led_6", "led_7"]);
  });

  it("appends a batch in order under one time", async () => {
    const { tenant, ledger } = freshLedger();
    await ledger.append(tenant, [decision(0)]);
    expect(await ledger.append(tenant, [decision(1), decision(2), decision(3)])).toEqual(["led_2", "led_3", "led_4"]);
    const batch = await ledger.list({ after_seq: 1 });
    expect(batch.map((e) => [e.seq, e.invocation_id])).toEqual([
      [2, "inv_1"],
      [3, "inv_2"],
      [4, "inv_3"],
    ]);
    expect(new Set(batch.map((e) => e.at)).size).toBe(1);
  });

  it("appends nothing of a batch with a malformed entry", async () => {
    const { tenant, ledger, stub } = freshLedger();
    await ledger.append(tenant, [decision(1)]);
    const bad = { kind: "gossip", invocation_id: null, body: {} } as never;
    await refusal(stub, (instance) => instance.append(tenant, [decision(2), bad, decision(3)]));
    expect((await ledger.head()).seq).toBe(1);
    expect(await ledger.verify()).toMatchObject({ ok: true, entries: 1 });
  });

  it("refuses an append it cannot store and continues from the stored chain", async () => {
    const { tenant, ledger, stub } = freshLedger();
    await appendDecisions(ledger, tenant, 2);
    const fault =
      "CREATE TRIGGER fault BEFORE INSERT ON ledger_entries WHEN NEW.seq = 4 BEGIN SELECT RAISE(ABORT, 'disk fault'); END";
    await runInDurableObject(stub, (_instance, state) => void state.storage.sql.exec(fault));
    const refused = await refusal(stub, (instance) => instance.append(tenant, [decision(3), decision(4)]));
    expect(refused).toMatch(/disk fault/);
    await runInDurableObject(stub, (_instance, state) => void state.storage.sql.exec("DROP TRIGGER fault"));
    expect(await ledger.head()).toMatchObject({ seq: 2 });
    expect(await ledger.append(tenant, [decision(3)])).toEqual(["led_3"]);
    expect(await ledger.get(3)).toMatchObject({ id: "led_3", prev_hash: (await ledger.get(2))!.hash });
    expect(await ledger.verify()).toEqual({ ok: true, entries: 3, first_bad_seq: null });
  });

  it("keeps an intact chain under 200 concurrent appends", async () => {
    const { tenant, ledger } = freshLedger();
    const appended = await Promise.all(Array.from({ length: 200 }, (_, i) => ledger.append(tenant, [decision(i)])));
    expect(
      appended
        .flat()
        .map((id) => Number(id.slice("led_".length)))
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(await ledger.verify()).toEqual({ ok: true, entries: 200, first_bad_seq: null });
    expect(await ledger.head()).toMatchObject({ entries: 200, seq: 200 });
  });

  it("returns from list and get exactly the entry it appended, with the id append returned, and hashed", async () => {
    const { tenant, ledger } = freshLedger();
    const body = { ...recorded.policySync, removed: ["çødé", "ünï"], previous: null, changed: [] };
    const appended = policySyncEntry(body);
    expect(await ledger.append(tenant, [appended])).toEqual(["led_1"]);
    const listed = await ledger.list({});
    expect(listed).toEqual([expect.objectContaining({ id: "led_1", ...appended })]);
    expect(await ledger.get(1)).toStrictEqual(listed[0]);
    expect(await ledger.get(2)).toBeNull();
    expect(verifyChain(listed).ok).toBe(true);
  });

  it("stamps entries with its clock", async () => {
    const { tenant, ledger, stub } = freshLedger();
    await runInDurableObject<LedgerDO, void>(stub, (instance) => {
      instance.clock = () => new Date("2026-01-02T03:04:05.006Z");
    });
    await ledger.append(tenant, [decision(1)]);
    expect((await ledger.get(1))!.at).toBe("2026-01-02T03:04:05.006Z");
  });

  it("keeps each tenant's ledger separate", async () => {
    const a = freshLedger("a");
    const b = freshLedger("b");
    await appendDecisions(a.ledger, a.tenant, 3);
    await b.ledger.append(b.tenant, [decision(1)]);
    expect(await b.ledger.get(1)).toMatchObject({ seq: 1, tenant_id: b.tenant, prev_hash: GENESIS_HASH });
    expect((await a.ledger.head()).seq).toBe(3);
    expect((await ledgerFor(ledgerEnv, a.tenant).list({})).every((e) => e.tenant_id === a.tenant)).toBe(true);
  });

  it("refuses an append for another tenant", async () => {
    const { tenant, ledger, stub } = freshLedger();
    await ledger.append(tenant, [decision(1)]);
    expect(await refusal(stub, (instance) => instance.append("someone-else", [decision(2)]))).toMatch(/tenant/);
    await refusal(stub, (instance) => instance.append("", [decision(2)]));
    expect((await ledger.head()).seq).toBe(1);
  });

  it("pages through the list in ascending order", async () => {
    const { tenant, ledger } = freshLedger();
    await ledger.append(
      tenant,
      Array.from({ length: 25 }, (_, i) => decision(i + 1)),
    );
    const seen: LedgerEntry[] = [];
    for (let after_seq = 0; ;) {
      const page = await ledger.list({ after_seq, limit: 10 });
      if (page.length === 0) break;
      expect(page.length).toBeLessThanOrEqual(10);
      seen.push(...page);
      after_seq = page[page.length - 1]!.seq;
    }
    expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect((await ledger.list({ after_seq: 20 })).map((e) => e.seq)).toEqual([21, 22, 23, 24, 25]);
    expect(await ledger.list({ after_seq: 25 })).toEqual([]);
  });

  it("lists 100 entries by default and at most 1000", async () => {
    const { tenant, ledger } = freshLedger();
    await ledger.append(
      tenant,
      Array.from({ length: 1005 }, (_, i) => decision(i + 1)),
    );
    expect(await ledger.list({})).toHaveLength(100);
    expect(await ledger.list({ limit: 5000 })).toHaveLength(1000);
    expect(await ledger.verify()).toEqual({ ok: true, entries: 1005, first_bad_seq: null });
  });
});

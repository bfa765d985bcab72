import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { escalationEntry, outcomeEntry, type LedgerDO } from "../../src/ledger";
import { decision, freshLedger } from "./helpers";
import { recorded } from "./recorded-bodies";

const executed = (invocation_id: string) => escalationEntry(invocation_id, recorded.escalationExecuted);
const succeeded = (invocation_id: string) => outcomeEntry(invocation_id, recorded.outcomeSucceeded);

describe("LedgerDO's outcome appends are idempotent", () => {
  it("a retried outcome append returns the entries stored the first time and appends nothing", async () => {
    const { tenant, ledger } = freshLedger();
    await ledger.append(tenant, [decision(1)]);
    const first = await ledger.append(tenant, [executed("inv_1"), succeeded("inv_1")]);
    await ledger.append(tenant, [decision(2)]);
    const retry = await ledger.append(tenant, [executed("inv_1"), succeeded("inv_1")]);
    expect(first).toEqual(["led_2", "led_3"]);
    expect(retry).toEqual(first);
    expect((await ledger.list({})).map((e) => [e.seq, e.kind, e.invocation_id])).toEqual([
      [1, "decision", "inv_1"],
      [2, "escalation", "inv_1"],
      [3, "outcome", "inv_1"],
      [4, "decision", "inv_2"],
    ]);
    expect(await ledger.verify()).toEqual({ ok: true, entries: 4, first_bad_seq: null });
  });

  it("an outcome append repeated while the first still waits to commit stores one outcome, and both get it", async () => {
    const { tenant, ledger } = freshLedger();
    await ledger.append(tenant, [decision(1)]);
    const [a, b] = await Promise.all([
      ledger.append(tenant, [succeeded("inv_1")]),
      ledger.append(tenant, [succeeded("inv_1")]),
    ]);
    expect(a).toEqual(["led_2"]);
    expect(b).toEqual(a);
    expect((await ledger.head()).seq).toBe(2);
  });

  it("a second, different outcome for the same invocation is refused in favour of the stored one", async () => {
    const { tenant, ledger } = freshLedger();
    await ledger.append(tenant, [decision(1), succeeded("inv_1")]);
    const again = await ledger.append(tenant, [outcomeEntry("inv_1", recorded.outcomeWithheld)]);
    expect(again).toEqual(["led_2"]);
    const outcomes = (await ledger.list({})).filter((e) => e.kind === "outcome");
    expect(outcomes).toMatchObject([{ id: "led_2", body: recorded.outcomeSucceeded }]);
  });

  it("a retry of a decision and outcome appended together returns both, the decision not appended twice", async () => {
    const { tenant, ledger } = freshLedger();
    const first = await ledger.append(tenant, [decision(1), succeeded("inv_1")]);
    expect(first).toEqual(["led_1", "led_2"]);
    expect(await ledger.append(tenant, [decision(1), succeeded("inv_1")])).toEqual(first);
    expect((await ledger.head()).seq).toBe(2);
  });

  it("appends without an outcome are not deduplicated: each escalation event or decision is its own entry", async () => {
    const { tenant, ledger } = freshLedger();
    await ledger.append(tenant, [executed("inv_1")]);
    await ledger.append(tenant, [executed("inv_1")]);
    expect((await ledger.head()).seq).toBe(2);
  });

  it("keeps an index of outcomes by invocation in the object's storage", async () => {
    const { tenant, ledger, stub } = freshLedger();
    await ledger.append(tenant, [decision(1)]);
    const indexes = await runInDurableObject<LedgerDO, string[]>(stub, async (_instance, state) =>
      state.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ledger_entries'")
        .toArray()
        .map((row) => row.name),
    );
    expect(indexes).toContain("ledger_entries_outcome");
  });
});

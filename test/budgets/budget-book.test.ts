import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { BudgetDO } from "../../src/budgets";
import { agentDaily, DEC_1, DEC_2, freshBook, runCalls, workspaceMonthly } from "./helpers";

const DEC_1_RESET = "2026-12-02T00:00:00.000Z";

describe("budget book", () => {
  it("reserves within the cap and shows the hold against it", async () => {
    const { book } = freshBook();
    const answer = await book.reserve({ reservation_id: "inv_1", lines: [agentDaily(4_800)], now: DEC_1 });
    expect(answer).toEqual({
      ok: true,
      reservation_id: "inv_1",
      lines: [{ key: agentDaily(0).key, spent: 0, reserved: 4_800, limit: 50_000, resets_at: DEC_1_RESET }],
    });
  });

  it("denies a call that would pass the cap, naming the scope, limit, spent and when it resets", async () => {
    const { book } = freshBook();
    await book.reserve({ reservation_id: "inv_1", lines: [agentDaily(30_000)], now: DEC_1 });
    await book.settle({ reservation_id: "inv_1" });
    await book.reserve({ reservation_id: "inv_2", lines: [agentDaily(18_000)], now: DEC_1 });

    const denied = await book.reserve({ reservation_id: "inv_3", lines: [agentDaily(5_000)], now: DEC_1 });
    expect(denied).toEqual({
      ok: false,
      denial: {
        policy_id: "refund_cap",
        scope: "agent",
        subject: "demo-agent",
        window: "day",
        unit: "usd_cents",
        limit: 50_000,
        // settled 300.00 plus 180.00 still held by inv_2
        spent: 48_000,
        requested: 5_000,
        resets_at: DEC_1_RESET,
      },
    });
    const [status] = await book.spent({ now: DEC_1 });
    expect(status).toMatchObject({ spent: 30_000, reserved: 18_000 });
  });

  it("takes a call that fills the cap exactly", async () => {
    const { book } = freshBook();
    await book.reserve({ reservation_id: "inv_1", lines: [agentDaily(45_000)], now: DEC_1 });
    const last = await book.reserve({ reservation_id: "inv_2", lines: [agentDaily(5_000)], now: DEC_1 });
    expect(last).toMatchObject({ ok: true, lines: [{ reserved: 50_000 }] });
  });

  it("holds nothing when one cap denies: the agent's daily cap has room but the workspace's monthly cap is spent", async () => {
    const { book } = freshBook();
    await book.reserve({ reservation_id: "inv_1", lines: [workspaceMonthly(90_000, 100_000)], now: DEC_1 });

    const denied = await book.reserve({
      reservation_id: "inv_2",
      lines: [agentDaily(20_000), workspaceMonthly(20_000, 100_000)],
      now: DEC_1,
    });
    expect(denied).toMatchObject({
      ok: false,
      denial: {
        scope: "workspace",
        window: "month",
        spent: 90_000,
        requested: 20_000,
        resets_at: "2027-01-01T00:00:00.000Z",
      },
    });
    const statuses = await book.spent({ now: DEC_1 });
    expect(statuses.map((s) => [s.scope, s.spent + s.reserved])).toEqual([["workspace", 90_000]]);
  });

  it("names the cap that frees up last when several deny", async () => {
    const { book } = freshBook();
    const denied = await book.reserve({
      reservation_id: "inv_1",
      lines: [agentDaily(60_000), workspaceMonthly(60_000, 50_000), runCalls("run_1", 0)],
      now: DEC_1,
    });
    expect(denied).toMatchObject({ ok: false, denial: { scope: "run", unit: "calls", resets_at: null } });
  });

  it("answers a repeated reservation as the first time and charges it once", async () => {
    const { book } = freshBook();
    const first = await book.reserve({ reservation_id: "inv_1", lines: [agentDaily(1_000)], now: DEC_1 });
    await book.reserve({ reservation_id: "inv_2", lines: [agentDaily(2_000)], now: DEC_1 });
    const again = await book.reserve({ reservation_id: "inv_1", lines: [agentDaily(1_000)], now: DEC_1 });
    expect(again).toEqual(first);
    const [status] = await book.spent({ now: DEC_1 });
    expect(status).toMatchObject({ reserved: 3_000 });
  });

  it("settles at the host's reported cost when it is higher, and later calls see the cap passed", async () => {
    const { book } = freshBook();
    await book.reserve({ reservation_id: "inv_1", lines: [agentDaily(40_000)], now: DEC_1 });
    const settled = await book.settle({ reservation_id: "inv_1", actual: { usd_cents: 52_000 } });
    expect(settled).toMatchObject({ state: "settled", lines: [{ spent: 52_000, reserved: 0, limit: 50_000 }] });

    const next = await book.reserve({ reservation_id: "inv_2", lines: [agentDaily(0)], now: DEC_1 });
    expect(next).toMatchObject({ ok: false, denial: { spent: 52_000, requested: 0 } });
  });

  it("settles at the host's reported cost when it is lower, freeing the difference", async () => {
    const { book } = freshBook();
    await book.reserve({ reservation_id: "inv_1", lines: [agentDaily(40_000)], now: DEC_1 });
    await book.settle({ reservation_id: "inv_1", actual: { usd_cents: 12_345.2 } });
    const [status] = await book.spent({ now: DEC_1 });
    // A fraction of a cent is charged as a whole one.
    expect(status).toMatchObject({ spent: 12_346, reserved: 0 });
    expect(await book.reserve({ reservation_id: "inv_2", lines: [agentDaily(37_654)], now: DEC_1 })).toMatchObject({
      ok: true,
    });
  });

  it("settles the reserved amounts when the host reports no cost, and settling twice charges once", async () => {
    const { book } = freshBook();
    await book.reserve({ reservation_id: "inv_1", lines: [agentDaily(700), runCalls("run_1", 5)], now: DEC_1 });
    await book.settle({ reservation_id: "inv_1" });
    const again = await book.settle({ reservation_id: "inv_1", actual: { usd_cents: 9_999 } });
    expect(again).toMatchObject({
      state: "settled",
      lines: [
        { key: agentDaily(0).key, spent: 700, reserved: 0 },
        { key: runCalls("run_1", 5).key, spent: 1, reserved: 0, resets_at: null },
      ],
    });
  });

  it("releases a failed call's hold, so the room is there for the next one", async () => {
    const { book } = freshBook();
    await book.reserve({ reservation_id: "inv_1", lines: [agentDaily(50_000)], now: DEC_1 });
    expect(await book.reserve({ reservation_id: "inv_2", lines: [agentDaily(1)], now: DEC_1 })).toMatchObject({
      ok: false,
    });

    expect(await book.release({ reservation_id: "inv_1" })).toMatchObject({
      state: "released",
      lines: [{ spent: 0, reserved: 0 }],
    });
    expect(await book.release({ reservation_id: "inv_1" })).toMatchObject({ state: "released" });
    expect(await book.reserve({ reservation_id: "inv_2", lines: [agentDaily(1)], now: DEC_1 })).toMatchObject({
      ok: true,
    });
  });

  it("keeps a settled reservation settled when asked to release it, and a released one released when settled", async () => {
    const { book } = freshBook();
    await book.reserve({ reservation_id: "inv_1", lines: [agentDaily(2_500)], now: DEC_1 });
    await book.settle({ reservation_id: "inv_1" });
    expect(await book.release({ reservation_id: "inv_1" })).toMatchObject({
      state: "settled",
      lines: [{ spent: 2_500, reserved: 0 }],
    });

    await book.reserve({ reservation_id: "inv_2", lines: [agentDaily(1_000)], now: DEC_1 });
    await book.release({ reservation_id: "inv_2" });
    expect(await book.settle({ reservation_id: "inv_2" })).toMatchObject({
      state: "released",
      lines: [{ spent: 2_500, reserved: 0 }],
    });
  });

  it("answers unknown for a reservation it never made", async () => {
    const { book } = freshBook();
    expect(await book.settle({ reservation_id: "inv_nope" })).toEqual({
      reservation_id: "inv_nope",
      state: "unknown",
      lines: [],
    });
    expect(await book.release({ reservation_id: "inv_nope" })).toMatchObject({ state: "unknown" });
  });

  it("starts a new day's window fresh, while a run's cap carries on", async () => {
    const { book } = freshBook();
    await book.reserve({ reservation_id: "inv_1", lines: [agentDaily(50_000), runCalls("run_1", 2)], now: DEC_1 });
    await book.settle({ reservation_id: "inv_1" });

    const nextDay = await book.reserve({
      reservation_id: "inv_2",
      lines: [agentDaily(50_000), runCalls("run_1", 2)],
      now: DEC_2,
    });
    expect(nextDay).toMatchObject({
      ok: true,
      lines: [
        { spent: 0, reserved: 50_000, resets_at: "2026-12-03T00:00:00.000Z" },
        { spent: 1, reserved: 1, resets_at: null },
      ],
    });
    const third = await book.reserve({ reservation_id: "inv_3", lines: [runCalls("run_1", 2)], now: DEC_2 });
    expect(third).toMatchObject({ ok: false, denial: { scope: "run", subject: "run_1", spent: 2, resets_at: null } });
  });

  it("reports each cap's spend in its current period, zero once a new period begins", async () => {
    const { book } = freshBook();
    await book.reserve({
      reservation_id: "inv_1",
      lines: [agentDaily(1_200), workspaceMonthly(1_200, 900_000)],
      now: DEC_1,
    });
    await book.settle({ reservation_id: "inv_1" });

    const nextDay = await book.spent({ now: DEC_2 });
    expect(nextDay.map((s) => [s.scope, s.window, s.period, s.spent, s.limit, s.resets_at])).toEqual([
      ["agent", "day", "2026-12-02", 0, 50_000, "2026-12-03T00:00:00.000Z"],
      ["workspace", "month", "2026-12", 1_200, 900_000, "2027-01-01T00:00:00.000Z"],
    ]);
    expect(await book.spent({ keys: [workspaceMonthly(0, 0).key, "no-such-key"], now: DEC_1 })).toHaveLength(1);
  });

  it("reclaims a reservation held past its time with its alarm; the room comes back and a late settle still charges", async () => {
    const { book, stub } = freshBook();
    await book.reserve({ reservation_id: "inv_1", lines: [agentDaily(50_000)], hold_ms: 60_000 });
    await book.reserve({ reservation_id: "inv_2", lines: [agentDaily(0)], hold_ms: 3_600_000 });
    const alarm = await runInDurableObject(stub, (_, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now());
    expect(alarm).toBeLessThanOrEqual(Date.now() + 60_000);

    await runInDurableObject(stub, (instance: BudgetDO) => {
      instance.clock = () => new Date(Date.now() + 61_000);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);

    const [status] = await book.spent();
    expect(status).toMatchObject({ spent: 0, reserved: 0, reclaimed: 1 });
    expect(await book.release({ reservation_id: "inv_1" })).toMatchObject({ state: "reclaimed" });
    expect(await book.release({ reservation_id: "inv_2" })).toMatchObject({ state: "released" });
    // The next hold's alarm stays set for inv_2's time, an hour on.
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBeGreaterThan(
      Date.now() + 3_000_000,
    );

    expect(await book.settle({ reservation_id: "inv_1", actual: { usd_cents: 50_000 } })).toMatchObject({
      state: "settled",
      lines: [{ spent: 50_000, reserved: 0 }],
    });
  });

  it("refuses a malformed reservation as a caller's bug", async () => {
    const { stub } = freshBook();
    const message = await runInDurableObject(stub, async (instance: BudgetDO) => {
      try {
        await instance.reserve({ reservation_id: "inv_1", lines: [{ ...agentDaily(10), amount: -5 }] });
        return "accepted";
      } catch (error) {
        return String(error);
      }
    });
    expect(message).toMatch(/amount/);
  });
});

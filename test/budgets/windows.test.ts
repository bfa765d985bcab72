import { describe, expect, it } from "vitest";
import { windowPeriod } from "../../src/budgets/windows";

const at = (iso: string) => new Date(iso);

describe("budget windows", () => {
  it("a day runs from midnight to midnight UTC", () => {
    expect(windowPeriod("day", at("2026-12-01T00:00:00.000Z"))).toEqual({
      period: "2026-12-01",
      resets_at: "2026-12-02T00:00:00.000Z",
    });
    expect(windowPeriod("day", at("2026-12-01T23:59:59.999Z")).period).toBe("2026-12-01");
    expect(windowPeriod("day", at("2026-12-31T12:00:00.000Z")).resets_at).toBe("2027-01-01T00:00:00.000Z");
  });

  it("a week runs from Monday 00:00 UTC and is named by its ISO week", () => {
    // 30 November 2026 is a Monday; 6 December the Sunday of the same week.
    expect(windowPeriod("week", at("2026-11-30T00:00:00.000Z"))).toEqual({
      period: "2026-W49",
      resets_at: "2026-12-07T00:00:00.000Z",
    });
    expect(windowPeriod("week", at("2026-12-06T23:59:59.999Z")).period).toBe("2026-W49");
    expect(windowPeriod("week", at("2026-12-07T00:00:00.000Z")).period).toBe("2026-W50");
    expect(windowPeriod("week", at("2026-11-29T23:59:59.999Z")).period).toBe("2026-W48");
  });

  it("a week that straddles New Year belongs to the year of its Thursday", () => {
    // Thursday 1 January 2026 makes 29 Dec 2025 – 4 Jan 2026 week 1 of 2026; 1 January 2027 is a Friday.
    expect(windowPeriod("week", at("2025-12-29T08:00:00.000Z")).period).toBe("2026-W01");
    expect(windowPeriod("week", at("2027-01-01T08:00:00.000Z"))).toEqual({
      period: "2026-W53",
      resets_at: "2027-01-04T00:00:00.000Z",
    });
  });

  it("a month runs from the first to the first, across years", () => {
    expect(windowPeriod("month", at("2026-12-31T23:59:59.999Z"))).toEqual({
      period: "2026-12",
      resets_at: "2027-01-01T00:00:00.000Z",
    });
    expect(windowPeriod("month", at("2027-02-14T10:00:00.000Z"))).toEqual({
      period: "2027-02",
      resets_at: "2027-03-01T00:00:00.000Z",
    });
  });

  it("a run window never resets", () => {
    expect(windowPeriod("run", at("2026-12-01T15:00:00.000Z"))).toEqual({ period: "run", resets_at: null });
  });
});

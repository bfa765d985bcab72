import { describe, expect, it } from "vitest";
import { previousWeek, weekRange, weekStart, weekStartSchema } from "../../src/digest/week";

describe("digest weeks", () => {
  it("start on the Monday (UTC) of the week a date falls in", () => {
    expect(weekStart(new Date("2026-11-16T00:00:00.000Z"))).toBe("2026-11-16");
    expect(weekStart(new Date("2026-11-19T10:00:00.000Z"))).toBe("2026-11-16");
    expect(weekStart(new Date("2026-11-22T23:59:59.999Z"))).toBe("2026-11-16");
    expect(weekStart(new Date("2026-11-23T00:00:00.000Z"))).toBe("2026-11-23");
    expect(weekStart(new Date("2027-01-01T12:00:00.000Z"))).toBe("2026-12-28");
  });

  it("run from Monday 00:00Z to the next Monday 00:00Z, across months and years", () => {
    expect(weekRange("2026-11-16")).toEqual({ from: "2026-11-16T00:00:00.000Z", to: "2026-11-23T00:00:00.000Z" });
    expect(weekRange("2026-12-28")).toEqual({ from: "2026-12-28T00:00:00.000Z", to: "2027-01-04T00:00:00.000Z" });
  });

  it("know the week before, across a year's start", () => {
    expect(previousWeek("2026-11-16")).toBe("2026-11-09");
    expect(previousWeek("2027-01-04")).toBe("2026-12-28");
  });

  it("accept only a real Monday written as YYYY-MM-DD", () => {
    expect(weekStartSchema.safeParse("2026-11-16").success).toBe(true);
    for (const bad of ["2026-11-17", "2026-02-30", "2026-13-02", "2026-11-16T00:00:00Z", "16/11/2026", ""])
      expect(weekStartSchema.safeParse(bad).success, bad).toBe(false);
    expect(() => weekRange("2026-11-17")).toThrow();
  });
});

import { describe, expect, it } from "vitest";
import { RateSchedule } from "../../src/notion/rate-schedule";

describe("the Notion rate schedule", () => {
  it("spaces reservations a hair over a third of a second apart", () => {
    const schedule = new RateSchedule(3);
    expect([schedule.reserve(0), schedule.reserve(0), schedule.reserve(0), schedule.reserve(0)]).toEqual([
      0, 341, 682, 1023,
    ]);
  });

  it("holds back a send whose slot came round while an earlier one went out late, until the window has room", () => {
    const schedule = new RateSchedule(3);
    // The first slot's timer fired 40 ms late; the next three fired on time.
    expect(schedule.claim(40)).toBe(0);
    expect(schedule.claim(341)).toBe(0);
    expect(schedule.claim(682)).toBe(0);
    expect(schedule.claim(1023)).toBe(24);
    expect(schedule.claim(1047)).toBe(0);
  });

  it("claims at the request's own rate when it asks for one", () => {
    const schedule = new RateSchedule(3);
    for (let i = 0; i < 10; i++) expect(schedule.claim(i * 10, 100)).toBe(0);
    expect(schedule.claim(100, 3)).toBeGreaterThan(0);
  });
});

import { afterEach, describe, expect, it, vi } from "vitest";
import { pacedFetch, RateSchedule } from "../../src/notion/rate-schedule";

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

  describe("a paced fetch", () => {
    afterEach(() => vi.useRealTimers());

    it("sends ten requests at once with never more than three in any second, and answers each", async () => {
      vi.useFakeTimers();
      const sentAt: number[] = [];
      const send = (async () => {
        sentAt.push(Date.now());
        return new Response("{}");
      }) as typeof fetch;
      const paced = pacedFetch(3, send);
      const answers = Promise.all(Array.from({ length: 10 }, () => paced("https://notion.test/v1/search")));
      await vi.runAllTimersAsync();
      expect((await answers).map((r) => r.status)).toEqual(Array(10).fill(200));
      expect(sentAt).toHaveLength(10);
      for (const at of sentAt) expect(sentAt.filter((t) => t > at - 1000 && t <= at).length).toBeLessThanOrEqual(3);
      // Paced, not serialised behind long waits: the tenth goes out in the fourth window of 1.1 s.
      expect(sentAt.at(-1)! - sentAt[0]!).toBeLessThanOrEqual(3_300);
    });
  });
});

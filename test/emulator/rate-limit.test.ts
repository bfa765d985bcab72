import { APIResponseError } from "@notionhq/client";
import { getResponseHeader } from "@notionhq/client/build/src/errors";
import { describe, expect, it } from "vitest";
import { notion, startEmulator, useEmulatorNetwork } from "./helpers";

useEmulatorNetwork();

describe("about 3 requests per second per integration", () => {
  it("answers a burst beyond the limit with 429 rate_limited and Retry-After, and no second serves more than 3", async () => {
    const emulator = startEmulator({ rateLimit: { perSecond: 3 } });
    const client = notion();
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => client.users.me({})));
    const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as unknown] : []));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(3);
    expect(refused).toHaveLength(7);
    for (const error of refused) {
      expect(error).toBeInstanceOf(APIResponseError);
      expect(error).toMatchObject({ status: 429, code: "rate_limited" });
      expect(Number(getResponseHeader((error as APIResponseError).headers, "retry-after"))).toBeGreaterThanOrEqual(1);
    }
    expect(emulator.rateLimit).toMatchObject({ served: 3, limited: 7, busiestSecond: 3 });
  });

  it("serves again once the window has passed, as Retry-After says", async () => {
    let clock = new Date("2026-01-05T10:00:00.200Z");
    const emulator = startEmulator({ rateLimit: { perSecond: 3 }, now: () => clock });
    const ask = () =>
      emulator.handle(
        new Request("https://api.notion.com/v1/users/me", {
          headers: { authorization: "Bearer secret_emulator", "notion-version": "2025-09-03" },
        }),
      );
    for (let i = 0; i < 3; i++) expect((await ask()).status).toBe(200);
    const refused = await ask();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    clock = new Date(clock.getTime() + 1000);
    expect((await ask()).status).toBe(200);
  });

  it("lets the client's own retry, honouring Retry-After, get every request through", async () => {
    const emulator = startEmulator({ rateLimit: { perSecond: 3 } });
    const client = notion("secret_emulator", { maxRetries: 5, maxRetryDelayMs: 2000 });
    const results = await Promise.all(Array.from({ length: 6 }, () => client.users.list({})));
    expect(results.every((r) => r.results.length === 4)).toBe(true);
    expect(emulator.rateLimit.limited).toBeGreaterThan(0);
    expect(emulator.rateLimit.served).toBe(6);
    expect(Math.max(...Object.values(emulator.rateLimit.servedPerSecond))).toBeLessThanOrEqual(3);
  });

  it("never limits a person token, which plays a human editing in Notion", async () => {
    const emulator = startEmulator({ rateLimit: { perSecond: 3 } });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => notion("person:ops").users.me({})));
    expect(outcomes.every((o) => o.status === "fulfilled")).toBe(true);
    expect(emulator.rateLimit.served).toBe(0);
  });
});

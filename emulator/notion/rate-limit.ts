import { NotionApiError } from "./errors";

/** What the rate limiter has done, for tests and benchmarks. */
export interface RateLimitCounters {
  /** Requests let through. */
  served: number;
  /** Requests answered 429. */
  limited: number;
  /** Requests served in each whole second, keyed by Unix second. */
  servedPerSecond: Record<string, number>;
  /** The most requests served in any whole second. */
  busiestSecond: number;
}

/**
 * A rolling one-second window per integration token: a request is served only when fewer than `perSecond`
 * requests were served in the preceding 1,000 ms, so no second, whole or sliding, ever serves more.
 */
export class RateLimiter {
  readonly counters: RateLimitCounters = { served: 0, limited: 0, servedPerSecond: {}, busiestSecond: 0 };
  private readonly recent = new Map<string, number[]>();

  constructor(private readonly perSecond: number) {}

  /** Counts a served request, or throws 429 `rate_limited` with Retry-After in whole seconds. */
  admit(key: string, nowMs: number): void {
    const window = (this.recent.get(key) ?? []).filter((t) => t > nowMs - 1000);
    if (window.length >= this.perSecond) {
      this.recent.set(key, window);
      this.counters.limited++;
      const oldest = window[0] ?? nowMs;
      const retryAfter = Math.max(1, Math.ceil((oldest + 1000 - nowMs) / 1000));
      throw new NotionApiError(429, "rate_limited", "You have been rate limited. Please try again in a few minutes.", {
        "retry-after": String(retryAfter),
      });
    }
    window.push(nowMs);
    this.recent.set(key, window);
    this.counters.served++;
    const second = String(Math.floor(nowMs / 1000));
    const count = (this.counters.servedPerSecond[second] ?? 0) + 1;
    this.counters.servedPerSecond[second] = count;
    this.counters.busiestSecond = Math.max(this.counters.busiestSecond, count);
  }
}

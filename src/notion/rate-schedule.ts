/**
 * Spaces requests so that no window of one second ever holds more than `perSecond` of them, and holds every
 * request back while Notion has asked the integration to wait (a 429's Retry-After).
 *
 * @example const s = new RateSchedule(3); s.reserve(now) // 0, then 340, then 680 (ms to wait)
 */
/** How many requests per second Policy OS sends to Notion (Notion allows about 3 per integration). */
export const NOTION_REQUESTS_PER_SECOND = 3;

/** The hair of margin the gate keeps on each slot and window: it and Notion's clock see sends a few ms apart. */
const GATE_MARGIN_MS = 7;

export class RateSchedule {
  readonly #perSecond: number;
  readonly #marginMs: number;
  #nextFree = 0;
  #pausedUntil = 0;
  /** When the latest requests were actually sent, oldest first (at most one second's worth). */
  readonly #sent: number[] = [];

  /** `marginMs` widens each slot and the window: a sender farther from Notion's clock needs more than the gate. */
  constructor(perSecond: number, marginMs = GATE_MARGIN_MS) {
    this.#perSecond = perSecond;
    this.#marginMs = marginMs;
  }

  /**
   * Reserves the next free send slot and returns how many ms to wait for it. Synchronous: no interleaving.
   * `perSecond` overrides the schedule's rate for this reservation.
   */
  reserve(now: number, perSecond = this.#perSecond): number {
    const slot = Math.max(this.#nextFree, this.#pausedUntil, now);
    // A hair over 1000 / perSecond, so that even sends landing on both edges of a window stay within the limit.
    this.#nextFree = slot + Math.ceil(1000 / perSecond) + this.#marginMs;
    return slot - now;
  }

  /**
   * Claims the right to send now, counting the requests actually sent: a reserved slot's timer can fire late on a
   * loaded machine while a later one fires on time, so the slots alone do not keep a window under the limit. Returns
   * 0 and records the send, or how many ms to wait before claiming again. Synchronous: no interleaving.
   */
  claim(now: number, perSecond = this.#perSecond): number {
    const windowMs = 1000 + this.#marginMs;
    while (this.#sent.length > 0 && now - this.#sent[0]! >= windowMs) this.#sent.shift();
    const oldestInWindow = this.#sent.length >= perSecond ? this.#sent[this.#sent.length - perSecond]! : null;
    if (oldestInWindow !== null) return oldestInWindow + windowMs - now;
    this.#sent.push(now);
    return 0;
  }

  /** Holds every later reservation back until `until` (ms since the epoch). */
  pauseUntil(until: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, until);
  }
}

/** Milliseconds to wait from a `Retry-After` header (seconds or an HTTP date), or null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * A fetch that sends at most `perSecond` requests in any second, waiting its turn instead of drawing 429s, for a
 * client outside the Worker's gate (the setup script). Its window is a tenth of a second wider than a second: a busy
 * machine can deliver one request late and the next on time. A 429 still comes back to the caller, whose retry
 * handles it.
 */
export function pacedFetch(perSecond: number, send: typeof fetch = fetch): typeof fetch {
  const schedule = new RateSchedule(perSecond, 100);
  return async (input, init) => {
    for (let wait = schedule.claim(Date.now()); wait > 0; wait = schedule.claim(Date.now())) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    return send(input, init);
  };
}

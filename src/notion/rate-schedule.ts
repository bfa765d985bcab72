/**
 * Spaces requests so that no window of one second ever holds more than `perSecond` of them, and holds every
 * request back while Notion has asked the integration to wait (a 429's Retry-After).
 *
 * @example const s = new RateSchedule(3); s.reserve(now) // 0, then 340, then 680 (ms to wait)
 */
/** The window the limit counts in, with the same hair of margin as the slots. */
const WINDOW_MS = 1000 + 7;

export class RateSchedule {
  readonly #perSecond: number;
  #nextFree = 0;
  #pausedUntil = 0;
  /** When the latest requests were actually sent, oldest first (at most one second's worth). */
  readonly #sent: number[] = [];

  constructor(perSecond: number) {
    this.#perSecond = perSecond;
  }

  /**
   * Reserves the next free send slot and returns how many ms to wait for it. Synchronous: no interleaving.
   * `perSecond` overrides the schedule's rate for this reservation.
   */
  reserve(now: number, perSecond = this.#perSecond): number {
    const slot = Math.max(this.#nextFree, this.#pausedUntil, now);
    // A hair over 1000 / perSecond, so that even sends landing on both edges of a window stay within the limit.
    this.#nextFree = slot + Math.ceil(1000 / perSecond) + 7;
    return slot - now;
  }

  /**
   * Claims the right to send now, counting the requests actually sent: a reserved slot's timer can fire late on a
   * loaded machine while a later one fires on time, so the slots alone do not keep a window under the limit. Returns
   * 0 and records the send, or how many ms to wait before claiming again. Synchronous: no interleaving.
   */
  claim(now: number, perSecond = this.#perSecond): number {
    while (this.#sent.length > 0 && now - this.#sent[0]! >= WINDOW_MS) this.#sent.shift();
    const oldestInWindow = this.#sent.length >= perSecond ? this.#sent[this.#sent.length - perSecond]! : null;
    if (oldestInWindow !== null) return oldestInWindow + WINDOW_MS - now;
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

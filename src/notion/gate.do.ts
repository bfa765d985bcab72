import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { NOTION_REQUESTS_PER_SECOND, RateSchedule, retryAfterMs } from "./rate-schedule";

/** A Notion API request as it crosses into the gate. */
export interface GateRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
  /** How long the caller will wait in all, queueing and retries included (default 30 s). */
  deadline_ms?: number;
  /** The integration's rate limit when it is not Notion's usual 3 requests/s (1 to 100). */
  per_second?: number;
}

/** Notion's answer, or why there is none. */
export type GateResponse =
  | { ok: true; status: number; headers: Record<string, string>; body: string }
  | { ok: false; reason: "deadline_exceeded" | "network_error"; message: string };

/** What the gate has done since it started. */
export interface GateCounters {
  requests: number;
  sent: number;
  rate_limited: number;
  retries: number;
  server_errors: number;
  network_errors: number;
  deadline_exceeded: number;
}

/** How many times one request is retried after a 429, or after a 5xx or network error when retrying is safe. */
export const MAX_RETRIES = 4;
const DEFAULT_DEADLINE_MS = 30_000;
/** How many send times the gate remembers for {@link NotionGateDO.sends}. */
const SENDS_KEPT = 100;
/** Back-off after a 5xx or network error, doubled per attempt. */
const BACKOFF_MS = 500;

/**
 * One gate per Notion integration, through which every Notion call passes. It keeps the integration under
 * Notion's rate limit, honours Retry-After, retries within bounds, and gives every call a deadline. A write is
 * retried only when Notion provably did not process it (429): a 5xx or a lost connection on a write may have
 * created the page, so it is returned to the caller, who checks before writing again.
 */
export class NotionGateDO extends DurableObject<Env> {
  readonly #schedule = new RateSchedule(NOTION_REQUESTS_PER_SECOND);
  readonly #counters: GateCounters = {
    requests: 0,
    sent: 0,
    rate_limited: 0,
    retries: 0,
    server_errors: 0,
    network_errors: 0,
    deadline_exceeded: 0,
  };
  /** When the latest requests were sent, by the gate's clock at the moment it let each go (oldest first). */
  readonly #sentAt: number[] = [];

  /** Sends one request to Notion when the rate limit allows, retrying within bounds. */
  async send(request: GateRequest): Promise<GateResponse> {
    this.#counters.requests++;
    const deadline = Date.now() + (request.deadline_ms ?? DEFAULT_DEADLINE_MS);
    const safeToRepeat = isReadOnly(request);
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) this.#counters.retries++;
      const wait = this.#schedule.reserve(Date.now(), perSecondOf(request));
      if (Date.now() + wait >= deadline) return this.#deadline(request);
      if (wait > 0) await sleep(wait);
      for (let hold = this.#schedule.claim(Date.now(), perSecondOf(request)); hold > 0;) {
        if (Date.now() + hold >= deadline) return this.#deadline(request);
        await sleep(hold);
        hold = this.#schedule.claim(Date.now(), perSecondOf(request));
      }

      this.#counters.sent++;
      this.#sentAt.push(Date.now());
      if (this.#sentAt.length > SENDS_KEPT) this.#sentAt.shift();
      let response: Response;
      try {
        response = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
        });
      } catch (error) {
        this.#counters.network_errors++;
        if (Date.now() >= deadline) return this.#deadline(request);
        if (safeToRepeat && attempt < MAX_RETRIES) {
          this.#schedule.pauseUntil(Date.now() + BACKOFF_MS * 2 ** attempt);
          continue;
        }
        return { ok: false, reason: "network_error", message: error instanceof Error ? error.message : String(error) };
      }

      if (response.status === 429) {
        this.#counters.rate_limited++;
        const waitMs = retryAfterMs(response.headers.get("retry-after"), Date.now()) ?? BACKOFF_MS * 2 ** attempt;
        this.#schedule.pauseUntil(Date.now() + waitMs);
        if (attempt < MAX_RETRIES) {
          await response.body?.cancel();
          continue;
        }
      } else if (response.status >= 500) {
        this.#counters.server_errors++;
        if (safeToRepeat && attempt < MAX_RETRIES) {
          await response.body?.cancel();
          this.#schedule.pauseUntil(Date.now() + BACKOFF_MS * 2 ** attempt);
          continue;
        }
      }
      return {
        ok: true,
        status: response.status,
        headers: Object.fromEntries(response.headers),
        body: await response.text(),
      };
    }
  }

  /** What the gate has done since this instance started. */
  async counters(): Promise<GateCounters> {
    return { ...this.#counters };
  }

  /**
   * When the gate let its latest requests go (at most 100, oldest first, ms since the epoch), by its own clock: the
   * schedule the rate limit is kept on. When Notion sees them also depends on the network, which the gate cannot pace.
   */
  async sends(): Promise<number[]> {
    return [...this.#sentAt];
  }

  #deadline(request: GateRequest): GateResponse {
    this.#counters.deadline_exceeded++;
    return {
      ok: false,
      reason: "deadline_exceeded",
      message: `Notion did not answer ${request.method} ${new URL(request.url).pathname} within the deadline.`,
    };
  }
}

/** Reads, and the queries that Notion serves with POST, change nothing: repeating them is safe. */
function isReadOnly(request: GateRequest): boolean {
  if (request.method === "GET") return true;
  if (request.method !== "POST") return false;
  const path = new URL(request.url).pathname;
  return /^\/v1\/(data_sources\/[^/]+\/query|search)$/.test(path);
}

function perSecondOf(request: GateRequest): number {
  const rate = request.per_second;
  return typeof rate === "number" && Number.isFinite(rate)
    ? Math.min(100, Math.max(1, rate))
    : NOTION_REQUESTS_PER_SECOND;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

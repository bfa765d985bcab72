import type { WebhookDelivery } from "../notion";

/** Where and how to POST webhook deliveries. */
export interface WebhookSenderOptions {
  /** The receiver, e.g. http://127.0.0.1:8787/webhooks/notion/demo. */
  url: string;
  /** Waits before each retry; one retry per entry (default 0.5 s, 1 s, 2 s). */
  retryDelaysMs?: readonly number[];
  /** How long one attempt may take before it counts as failed (default 10 s). */
  attemptTimeoutMs?: number;
  /** Where the one line about a delivery given up goes (default console.error). */
  log?: (line: string) => void;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Returns a function that POSTs each delivery to `url` with exactly its headers and body, one at a time and in
 * the order given. A network error, a timeout or a non-2xx answer other than 4xx is retried after each of
 * `retryDelaysMs`; a 4xx is final. The returned promise never rejects: a lost delivery is one log line.
 *
 * @example
 * const send = createWebhookSender({ url: "http://127.0.0.1:8787/webhooks/notion/demo" });
 * createNotionEmulator({ onWebhook: send });
 */
export function createWebhookSender(options: WebhookSenderOptions): (delivery: WebhookDelivery) => Promise<void> {
  const delays = options.retryDelaysMs ?? [500, 1000, 2000];
  const timeoutMs = options.attemptTimeoutMs ?? 10_000;
  const log = options.log ?? ((line) => console.error(line));
  const post = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const sleep = options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let queue: Promise<void> = Promise.resolve();

  /** One attempt: "done" (2xx), "refused" (4xx, final) or a reason to retry. */
  async function attempt(
    delivery: WebhookDelivery,
  ): Promise<{ done: true } | { done: false; final: boolean; why: string }> {
    try {
      const response = await post(options.url, {
        method: "POST",
        headers: delivery.headers,
        body: delivery.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text().catch(() => "");
      if (response.ok) return { done: true };
      const why = `${response.status}${text ? ` ${text.slice(0, 200)}` : ""}`;
      return { done: false, final: response.status >= 400 && response.status < 500, why };
    } catch (error) {
      const e = error as { name?: string; message?: string; cause?: { code?: string } };
      return {
        done: false,
        final: false,
        why: e.cause?.code ?? (e.name === "TimeoutError" ? "timeout" : String(e.message ?? error)),
      };
    }
  }

  async function send(delivery: WebhookDelivery): Promise<void> {
    const what = `webhook ${delivery.event.type} ${delivery.event.id}`;
    for (let tries = 0; ; tries++) {
      const result = await attempt(delivery);
      if (result.done) return;
      if (result.final) return log(`notion emulator: ${what} refused by ${options.url}: ${result.why}`);
      const delay = delays[tries];
      if (delay === undefined)
        return log(
          `notion emulator: ${what} not delivered to ${options.url} after ${tries + 1} attempts: ${result.why}`,
        );
      await sleep(delay);
    }
  }

  return (delivery) => {
    const next = queue.then(() => send(delivery)).catch((error: unknown) => log(`notion emulator: ${String(error)}`));
    queue = next;
    return next;
  };
}

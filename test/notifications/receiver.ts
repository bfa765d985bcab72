import { http, HttpResponse } from "msw";

/** What a fake receiver got: each POST's headers and body text, in order. */
export interface Received {
  headers: Headers;
  body: string;
}

/**
 * A fake webhook or Slack receiver at `url` for msw: it records every POST and answers with the next status of
 * `statuses` (the last one repeats; 200 when empty).
 */
export function receiver(url: string, statuses: number[] = []) {
  const received: Received[] = [];
  const answers = [...statuses];
  const handler = http.post(url, async ({ request }) => {
    received.push({ headers: request.headers, body: await request.text() });
    const status = answers.length > 1 ? answers.shift()! : (answers[0] ?? 200);
    return status >= 200 && status < 300
      ? HttpResponse.json({ ok: true }, { status })
      : new HttpResponse(null, { status });
  });
  return { received, handler, answer: (status: number) => answers.splice(0, answers.length, status) };
}

/** Waits (polling, bounded) until `check` holds; returns whether it did. Queues deliver a moment after the call. */
export async function eventually(check: () => boolean | Promise<boolean>, tries = 200): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

/**
 * HMAC-SHA256 of `<t>.<body>` in hex, computed here apart from the Worker's code (src/notifications/signature.ts), as a
 * receiver following docs/notifications.md would.
 */
export async function expectedSignature(secret: string, t: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${t}.${body}`)));
  return Array.from(mac, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

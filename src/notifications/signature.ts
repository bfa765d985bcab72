/** The webhook signature: HMAC-SHA256 over `<timestamp>.<body>` (docs/notifications.md, "Verifying a delivery"). */

/** The header that carries the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = "Policy-OS-Signature";
/** The header that carries the event id: the receiver's idempotency key. */
export const EVENT_ID_HEADER = "Policy-OS-Event-Id";
/** How old a signature timestamp a receiver should accept, in seconds; each attempt is signed afresh. */
export const REPLAY_WINDOW_SECONDS = 300;

/**
 * The `Policy-OS-Signature` value for `body` sent at `unix` seconds, signed with `secret`.
 * @example await signatureHeader("whsec", 1765000000, "{}") // "t=1765000000,v1=5d1c…"
 */
export async function signatureHeader(secret: string, unix: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${unix}.${body}`));
  let hex = "";
  for (const byte of new Uint8Array(mac)) hex += byte.toString(16).padStart(2, "0");
  return `t=${unix},v1=${hex}`;
}

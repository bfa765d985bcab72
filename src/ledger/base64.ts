/** Standard base64 (RFC 4648 §4, padded), strictly: one spelling per byte string, so no edit of the text goes unseen. */

const ALPHABET = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Bytes as standard padded base64. */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * The bytes of standard padded base64, or null for anything else: a character outside the alphabet, missing or
 * extra padding, or unused bits that are not zero (so `AB==` and `AC==` cannot both mean one byte).
 *
 * @example decodeBase64("AQI=") // Uint8Array [1, 2]
 */
export function decodeBase64(text: string): Uint8Array | null {
  if (!ALPHABET.test(text)) return null;
  const binary = atob(text);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return encodeBase64(bytes) === text ? bytes : null;
}

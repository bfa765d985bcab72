/** Random identifiers with a readable prefix: `inv_…`, `esc_…`, `agt_…`. */
export function newId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return `${prefix}_${hex}`;
}

/** A new agent API key: `pos_` + 32 random bytes, base64url. Shown once; only its hash is stored. */
export function newApiKey(): string {
  return `pos_${base64url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/** Bytes as unpadded base64url, the spelling of every signed id this gateway hands out. */
export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The bytes of a base64url text, or null when it is not base64url. */
export function fromBase64url(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

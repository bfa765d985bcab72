import type { HostConfig } from "../host-config";

/** The auth header a host is configured to receive, read from the Worker secret it names; the value never leaves here except in that header. */
export function authHeaders(
  config: HostConfig,
  secrets: Record<string, unknown>,
): { ok: true; headers: Record<string, string> } | { ok: false; message: string } {
  if (!config.auth_secret) return { ok: true, headers: {} };
  const value = secrets[config.auth_secret];
  if (typeof value !== "string" || value === "") {
    return { ok: false, message: `the secret ${config.auth_secret} named by host ${config.id} is not set` };
  }
  return { ok: true, headers: { [config.auth_header]: value } };
}

/** `text` with every configured auth header value blotted out: upstream messages can echo what they were sent. */
export function withoutSecrets(text: string, auth: Record<string, string>): string {
  let clean = text;
  for (const value of Object.values(auth)) {
    if (value.length >= 4) clean = clean.split(value).join("[redacted]");
    const token = /^\S+\s+(\S{4,})$/.exec(value)?.[1];
    if (token) clean = clean.split(token).join("[redacted]");
  }
  return clean;
}

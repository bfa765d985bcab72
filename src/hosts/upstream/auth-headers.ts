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

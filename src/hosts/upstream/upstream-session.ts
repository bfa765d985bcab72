import type { HostConfig } from "../host-config";

/** What one `initialize` with an upstream negotiated: plain values only, so any request may reuse them. */
export interface UpstreamSession {
  protocol_version: string;
  /** `Mcp-Session-Id`, when the server issued one. */
  session_id: string | null;
}

// Isolate memory. Keyed by everything that would make a session invalid when it changes.
const sessions = new Map<string, UpstreamSession>();

function keyOf(config: HostConfig): string {
  return [config.tenant_id, config.id, config.url ?? "", config.auth_secret ?? "", config.auth_header].join("\n");
}

/** The session this isolate holds for a host, if any. */
export function cachedSession(config: HostConfig): UpstreamSession | undefined {
  return sessions.get(keyOf(config));
}

/** Remember a host's session for later calls from this isolate. */
export function rememberSession(config: HostConfig, session: UpstreamSession): void {
  sessions.set(keyOf(config), session);
}

/** Forget a host's session (it expired, or the host was removed). */
export function forgetSession(config: HostConfig): void {
  sessions.delete(keyOf(config));
}

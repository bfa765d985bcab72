/**
 * Whether a browser Origin may call /mcp (DNS-rebinding protection, as the MCP specification asks).
 * Requests without an Origin (servers, CLIs) pass. An allowed entry without a port matches any port on that host.
 *
 * @example originAllowed("http://localhost:6274", "http://localhost,https://app.example.com") // true
 */
export function originAllowed(origin: string | undefined, allowed: string | undefined): boolean {
  if (origin === undefined) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  for (const entry of (allowed ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    let candidate: URL;
    try {
      candidate = new URL(entry);
    } catch {
      continue;
    }
    if (candidate.protocol !== parsed.protocol || candidate.hostname !== parsed.hostname) continue;
    if (candidate.port === "" || candidate.port === parsed.port) return true;
  }
  return false;
}

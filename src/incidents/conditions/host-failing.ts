import type { HealthFigures } from "../../hosts/health/circuit";
import type { IncidentSettings } from "../settings";
import type { Condition } from "../types";

/** One host as the tick sees it: its health figures (HostHealthDO) and who called it lately (the audit log). */
export interface HostView {
  host_id: string;
  figures: HealthFigures;
  tools: string[];
  agents: string[];
}

/**
 * Hosts failing now: an open (or half-open) circuit, or a window of at least `host_min_calls` calls of which at
 * least `host_error_rate` failed or timed out. Cause `host:<id>`.
 */
export function failingHosts(hosts: readonly HostView[], settings: IncidentSettings): Condition[] {
  const failing: Condition[] = [];
  for (const { host_id, figures, tools, agents } of hosts) {
    const tripped = figures.circuit !== "closed";
    const rate = figures.error_rate ?? 0;
    const tooMany = figures.calls_in_window >= settings.host_min_calls && rate >= settings.host_error_rate;
    if (!tripped && !tooMany) continue;
    const percent = Math.round(rate * 100);
    failing.push({
      cause: `host:${host_id}`,
      kind: "host_failing",
      title: tripped
        ? `Host ${host_id} is unavailable: its circuit is ${figures.circuit.replace("_", "-")}`
        : `Host ${host_id} fails ${percent}% of its calls`,
      tools,
      agents,
      figures: {
        host: host_id,
        circuit: figures.circuit,
        error_rate: figures.error_rate,
        calls_in_window: figures.calls_in_window,
        p95_ms: figures.p95_ms,
        last_success_at: figures.last_success_at,
        last_failure_at: figures.last_failure_at,
        threshold_error_rate: settings.host_error_rate,
      },
    });
  }
  return failing;
}

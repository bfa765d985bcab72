import type { IncidentSettings } from "../settings";
import type { Condition } from "../types";

/** One tool and agent's denials and holds: in the recent window, and in the baseline before it. */
export interface ToolActivity {
  tool: string;
  agent_id: string;
  denied: number;
  held: number;
  base_denied: number;
  base_held: number;
}

/** How many agents an incident names (the busiest first). */
const MAX_AGENTS = 5;

/**
 * Tools whose denials (or holds) spiked: in the last `spike_window_minutes`, at least `spike_min_count` of them
 * and at least `spike_factor` times what the baseline's rate (the `spike_baseline_hours` before the window)
 * predicts for a window of that length. Counted per tool across agents; the agents are named, busiest first.
 * Causes `denials:<tool>` and `holds:<tool>`.
 */
export function spikes(activity: readonly ToolActivity[], settings: IncidentSettings): Condition[] {
  const byTool = new Map<string, ToolActivity[]>();
  for (const row of activity) byTool.set(row.tool, [...(byTool.get(row.tool) ?? []), row]);
  const ratio = settings.spike_window_minutes / (settings.spike_baseline_hours * 60);
  const found: Condition[] = [];
  for (const [tool, rows] of [...byTool].sort(([a], [b]) => a.localeCompare(b))) {
    for (const kind of ["denied", "held"] as const) {
      const recent = sum(rows, (row) => row[kind]);
      const baseline = sum(rows, (row) => (kind === "denied" ? row.base_denied : row.base_held));
      const expected = baseline * ratio;
      if (recent < settings.spike_min_count || recent < settings.spike_factor * expected) continue;
      const agents = rows
        .filter((row) => row[kind] > 0)
        .sort((a, b) => b[kind] - a[kind] || a.agent_id.localeCompare(b.agent_id))
        .slice(0, MAX_AGENTS);
      const noun = kind === "denied" ? "denials" : "held calls";
      found.push({
        cause: `${kind === "denied" ? "denials" : "holds"}:${tool}`,
        kind: kind === "denied" ? "denial_spike" : "hold_spike",
        title: `Spike in ${noun} of ${tool}: ${recent} in ${settings.spike_window_minutes} min`,
        tools: [tool],
        agents: agents.map((row) => row.agent_id),
        figures: {
          tool,
          in_window: recent,
          window_minutes: settings.spike_window_minutes,
          baseline: baseline,
          baseline_hours: settings.spike_baseline_hours,
          expected_in_window: Math.round(expected * 100) / 100,
          by_agent: agents.map((row) => `${row.agent_id} ${row[kind]}`).join(", "),
        },
      });
    }
  }
  return found;
}

function sum(rows: readonly ToolActivity[], of: (row: ToolActivity) => number): number {
  return rows.reduce((total, row) => total + of(row), 0);
}

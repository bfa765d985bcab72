import type { Condition, Findings, Incident } from "./types";

/** What one tick does to a tenant's incidents, decided from what it found. */
export interface IncidentPlan {
  /** Conditions with no open incident: each opens one. */
  open: Condition[];
  /** Open incidents whose condition still holds: their figures and last seen move on, any clearing stops. */
  update: { incident: Incident; condition: Condition }[];
  /** Open incidents whose condition is clear for the first time: their clear period starts now. */
  clearing: Incident[];
  /** Open incidents whose condition has been clear for the whole clear period: they resolve. */
  resolve: Incident[];
}

/**
 * The lifecycle as a pure function: a cause has at most one open incident; it is updated while its condition holds,
 * and resolves once the condition has been clear for `clear_ms`. An incident of a kind this tick did not check
 * (a detector that could not run, a check not due) is left as it is: not checked is not clear.
 */
export function planIncidents(
  open: readonly Incident[],
  findings: Findings,
  now: Date,
  clear_ms: number,
): IncidentPlan {
  const plan: IncidentPlan = { open: [], update: [], clearing: [], resolve: [] };
  const byCause = new Map(open.map((incident) => [incident.cause, incident]));
  const seen = new Set<string>();
  for (const condition of findings.conditions) {
    if (seen.has(condition.cause)) continue;
    seen.add(condition.cause);
    const incident = byCause.get(condition.cause);
    if (incident) plan.update.push({ incident, condition });
    else plan.open.push(condition);
  }
  for (const incident of open) {
    if (seen.has(incident.cause) || !findings.checked.has(incident.kind)) continue;
    if (incident.clear_since === null) plan.clearing.push(incident);
    else if (now.getTime() - Date.parse(incident.clear_since) >= clear_ms) plan.resolve.push(incident);
  }
  return plan;
}

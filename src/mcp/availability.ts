import type { CircuitView } from "../hosts";

/**
 * Whether a tool's host takes calls now, apart from whether policy lets the agent make them: `available` (its
 * circuit is closed), `unavailable` (open: calls fail fast with `host_unavailable` until `retry_after`) or
 * `recovering` (the next call may go as the probe that closes the circuit).
 */
export interface Availability {
  state: "available" | "unavailable" | "recovering";
  circuit: CircuitView["circuit"];
  /** While unavailable: when calls may go again (ISO). */
  retry_after: string | null;
}

/** The availability a host's circuit, as this isolate knows it at `now`, gives its tools. */
export function availabilityOf(view: CircuitView | undefined, now: number): Availability {
  if (!view || view.circuit === "closed") return { state: "available", circuit: "closed", retry_after: null };
  const until = view.circuit === "open" ? view.retry_at : view.probe_until;
  return until !== null && now < until
    ? { state: "unavailable", circuit: view.circuit, retry_after: new Date(until).toISOString() }
    : { state: "recovering", circuit: view.circuit, retry_after: null };
}

/** The line a tool's description gains while its host is not available (none while it is). */
export function availabilityLine(host: string, availability: Availability): string {
  if (availability.state === "available") return "";
  return availability.state === "unavailable"
    ? `\n\nAvailability: host ${host} has been failing, so calls fail fast with host_unavailable until ${availability.retry_after}.`
    : `\n\nAvailability: host ${host} has been failing; the next call tests whether it is back.`;
}

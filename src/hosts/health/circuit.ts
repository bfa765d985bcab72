/**
 * One host's health as a value: a sliding window of its recent calls and its circuit breaker (closed → open →
 * half-open → closed). Pure functions over plain data, so the per-tenant Durable Object and the tests run the same
 * rules; times are epoch milliseconds handed in by the caller.
 */
import type { CircuitSettings } from "../host";

/** Whether calls go to the host: `closed` lets them, `open` fails them fast, `half_open` lets one probe through. */
export type CircuitState = "closed" | "open" | "half_open";

/** One call that reached the adapter's host call: when it ended, how long it took, whether the host failed it. */
export interface Sample {
  at: number;
  ms: number;
  failed: boolean;
}

/** What a call showed about its host, as the pipeline reports it. */
export interface Observation extends Sample {
  /** The call was the half-open circuit's probe: its result closes or reopens the circuit. */
  probe: boolean;
}

/** A host's window and circuit. */
export interface HostHealth {
  /** The newest calls, oldest first, at most `window_calls` of them. */
  samples: Sample[];
  last_success_at: number | null;
  last_failure_at: number | null;
  circuit: CircuitState;
  /** While open: when a probe may go. */
  retry_at: number | null;
  /** While half-open: the probe's slot is held until then (a probe whose report never comes frees it then). */
  probe_until: number | null;
}

/** Every setting filled in. */
export type Settings = Required<CircuitSettings> & { probe_ms: number };

/** The defaults: the last 20 calls within 60 s; open at 5 failures making half of them; probe after 30 s. */
export const DEFAULT_CIRCUIT: Required<CircuitSettings> = {
  window_calls: 20,
  window_ms: 60_000,
  min_failures: 5,
  failure_rate: 0.5,
  cooldown_ms: 30_000,
};

/** How much longer than the host's deadline a probe's slot is held, so a slow probe is not joined by a second. */
const PROBE_MARGIN_MS = 5_000;
/** A host without a deadline of its own (a demo host) holds a probe's slot this long. */
const DEFAULT_PROBE_MS = 15_000;

/** The settings a host's circuit runs with: its own where it has them, the defaults elsewhere. */
export function settingsFor(host: { circuit?: CircuitSettings; timeout_ms?: number }): Settings {
  const probe_ms = host.timeout_ms !== undefined ? host.timeout_ms + PROBE_MARGIN_MS : DEFAULT_PROBE_MS;
  return { ...DEFAULT_CIRCUIT, ...definedOnly(host.circuit ?? {}), probe_ms };
}

/** A host nothing is known about: closed, no calls. */
export function freshHealth(): HostHealth {
  return {
    samples: [],
    last_success_at: null,
    last_failure_at: null,
    circuit: "closed",
    retry_at: null,
    probe_until: null,
  };
}

/** Whether a call may go to the host: yes (perhaps as the probe), or not before `retry_at`. */
export type Admission = { admitted: true; probe: boolean } | { admitted: false; retry_at: number };

/**
 * Asks the circuit whether a call may go now. Closed: yes. Open before its cool-down ends: no. Open after it, or
 * half-open with no probe in flight: yes, as the probe, and the circuit holds the probe's slot so concurrent
 * callers are refused until the probe reports or its slot lapses.
 */
export function admit(
  health: HostHealth,
  now: number,
  settings: Settings,
): { health: HostHealth; admission: Admission } {
  if (health.circuit === "closed") return { health, admission: { admitted: true, probe: false } };
  const waitUntil = health.circuit === "open" ? health.retry_at : health.probe_until;
  if (waitUntil !== null && now < waitUntil) return { health, admission: { admitted: false, retry_at: waitUntil } };
  const probing: HostHealth = { ...health, circuit: "half_open", retry_at: null, probe_until: now + settings.probe_ms };
  return { health: probing, admission: { admitted: true, probe: true } };
}

/**
 * Adds what a call showed. The probe decides a half-open circuit: success closes it with a fresh window (the
 * failures that opened it are behind it), failure opens it for another cool-down. A closed circuit opens when its
 * window trips; reports of calls admitted before it opened do not move an open or half-open one.
 */
export function observe(health: HostHealth, observation: Observation, settings: Settings): HostHealth {
  const { at, ms, failed, probe } = observation;
  const sample = { at, ms, failed };
  const samples = [...inWindow(health.samples, at, settings), sample].slice(-settings.window_calls);
  const seen: HostHealth = {
    ...health,
    samples,
    last_success_at: failed ? health.last_success_at : Math.max(at, health.last_success_at ?? 0),
    last_failure_at: failed ? Math.max(at, health.last_failure_at ?? 0) : health.last_failure_at,
  };
  if (probe && health.circuit === "half_open")
    return failed
      ? { ...seen, circuit: "open", retry_at: at + settings.cooldown_ms, probe_until: null }
      : { ...seen, samples: [sample], circuit: "closed", retry_at: null, probe_until: null };
  if (health.circuit === "closed" && trips(samples, at, settings))
    return { ...seen, circuit: "open", retry_at: at + settings.cooldown_ms, probe_until: null };
  return seen;
}

/** Whether a window holds enough failures, and a large enough share of them, to open the circuit. */
export function trips(samples: Sample[], now: number, settings: Settings): boolean {
  const window = inWindow(samples, now, settings);
  const failures = window.filter((sample) => sample.failed).length;
  return failures >= settings.min_failures && failures / window.length >= settings.failure_rate;
}

/** A host's health as operators read it (`GET /admin/hosts`, `policy-os hosts`). */
export interface HealthFigures {
  circuit: CircuitState;
  /** While open: when the next probe may go (ISO). */
  retry_at: string | null;
  last_success_at: string | null;
  last_failure_at: string | null;
  calls_in_window: number;
  /** Share of the window's calls the host failed (0–1), null with no calls. */
  error_rate: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
}

/** The figures of `health` at `now`: the window is the last `window_calls` calls within `window_ms`. */
export function figures(health: HostHealth, now: number, settings: Settings): HealthFigures {
  const window = inWindow(health.samples, now, settings);
  const failures = window.filter((sample) => sample.failed).length;
  const latencies = window.map((sample) => sample.ms).sort((a, b) => a - b);
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    circuit: health.circuit,
    retry_at: iso(health.retry_at),
    last_success_at: iso(health.last_success_at),
    last_failure_at: iso(health.last_failure_at),
    calls_in_window: window.length,
    error_rate: window.length === 0 ? null : Math.round((failures / window.length) * 1000) / 1000,
    p50_ms: percentile(latencies, 0.5),
    p95_ms: percentile(latencies, 0.95),
  };
}

/** The nearest-rank percentile of sorted values, in whole milliseconds; null when there are none. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return Math.round(sorted[rank - 1]!);
}

function inWindow(samples: Sample[], now: number, settings: Settings): Sample[] {
  return samples.filter((sample) => sample.at > now - settings.window_ms).slice(-settings.window_calls);
}

function definedOnly(settings: CircuitSettings): CircuitSettings {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

/** One figure as a benchmark measures it in one run. */
export interface BenchResult {
  name: string;
  unit: string;
  value: number;
}

/** Every value one figure took over the recorded runs of `npm run bench -- --repeat N`. */
export interface BenchRuns {
  n: number;
  min: number;
  max: number;
  values: number[];
}

/**
 * One figure in bench/results.json (the shape benchmark-tracking actions read, plus where it came from): the median
 * of its runs, when it was measured, the runs when there were several, and its target and verdict as the benchmark's
 * code declared them at the time.
 */
export interface StoredResult extends BenchResult {
  /** ISO time the run that measured it began. */
  measured_at: string;
  runs?: BenchRuns;
  target?: string;
  /** Whether `value` met `target`, computed from `value` by the target's check. */
  met?: boolean;
  /** A label that puts the figure in BENCHMARKS.md's summary (figures with a target are there anyway). */
  summary?: string;
}

/** What a figure is held to: its wording, and the check of a value (other figures of the same run readable). */
export interface Target {
  text: string;
  holds: (value: number, figure: (name: string) => number | undefined) => boolean;
}

/** A benchmark's extra explanation for BENCHMARKS.md: its target, its summary label, and what limits it. */
export interface BenchNote {
  name: string;
  /** A `Target` is checked against the figure by the runner; a plain string needs `met` (kept for older benches). */
  target?: Target | string;
  met?: boolean;
  note?: string;
  summary?: string;
}

/** What every bench module's default export returns. */
export interface BenchReport {
  title: string;
  results: BenchResult[];
  notes: BenchNote[];
  /** Extra Markdown for BENCHMARKS.md (method, environment caveats). */
  method: string;
}

/** Options passed to every bench module. `smoke` asks for a short run (CI): fewer iterations, same code paths. */
export interface BenchOptions {
  smoke: boolean;
  log: (line: string) => void;
}

const number = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 6 });

/** A target met by any value no greater than `limit`. */
export function atMost(limit: number, unit: string): Target {
  return { text: `≤ ${number(limit)} ${unit}`.trim(), holds: (value) => value <= limit };
}

/** A target met by any value no less than `limit`. */
export function atLeast(limit: number, unit: string): Target {
  return { text: `≥ ${number(limit)} ${unit}`.trim(), holds: (value) => value >= limit };
}

/** A target met only by `expected` itself. */
export function exactly(expected: number, unit = ""): Target {
  return { text: `${number(expected)} ${unit}`.trim(), holds: (value) => value === expected };
}

/** p-th percentile (0..100) of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

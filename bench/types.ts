/** One figure in bench/results.json (the shape benchmark-tracking actions read). */
export interface BenchResult {
  name: string;
  unit: string;
  value: number;
}

/** A benchmark's extra explanation for BENCHMARKS.md: target, whether it was met, and what limits it. */
export interface BenchNote {
  name: string;
  target?: string;
  met?: boolean;
  note?: string;
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

/** p-th percentile (0..100) of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

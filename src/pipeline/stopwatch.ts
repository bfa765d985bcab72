import type { StageLatency } from "../db/audit";

/** Times a call's stages for its audit row. */
export interface Stopwatch {
  /** Milliseconds spent so far in each stage. */
  readonly latency: StageLatency;
  /** Adds the time since the last lap to `stage`. */
  lap(stage: keyof StageLatency): void;
  /** Awaits `work` and adds its time to `stage`. */
  time<T>(stage: keyof StageLatency, work: T | Promise<T>): Promise<T>;
  /** Milliseconds since the stopwatch started. */
  total(): number;
}

const ms = (value: number) => Math.round(value * 1000) / 1000;

/** A stopwatch started now on `clock` (monotonic milliseconds). */
export function stopwatch(clock: () => number): Stopwatch {
  const started = clock();
  let mark = started;
  const latency: StageLatency = { validate: 0, policy: 0, approval: 0, adapter: 0, audit: 0 };
  const lap = (stage: keyof StageLatency) => {
    const t = clock();
    latency[stage] = ms(latency[stage] + t - mark);
    mark = t;
  };
  return {
    latency,
    lap,
    async time(stage, work) {
      const out = await work;
      lap(stage);
      return out;
    },
    total: () => ms(clock() - started),
  };
}

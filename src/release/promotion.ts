/** The promotion rule: whether a checked candidate snapshot takes effect at once or is held for a person. */
import type { GoldenResult } from "../db/golden-tasks";
import type { ReplayReport } from "./replay";

/** The rule's answer: live, or held with one sentence saying why. */
export type Promotion = { status: "live"; because: null } | { status: "held"; because: string };

/**
 * A candidate is held when it breaks a golden task, or when the calls it would change, counted with the calls whose
 * answer redaction hides (they may change too: fail closed), are more than `threshold_pct` of the calls replayed.
 * Otherwise it goes live.
 */
export function promotion(golden: readonly GoldenResult[], replay: ReplayReport, threshold_pct: number): Promotion {
  const broken = golden.filter((result) => !result.passed);
  if (broken.length > 0) {
    const names = broken
      .slice(0, 3)
      .map((result) => `"${result.name}" (expected ${result.expected}, got ${result.got})`);
    const more = broken.length > 3 ? ` and ${broken.length - 3} more` : "";
    return { status: "held", because: `it breaks golden task ${names.join(", ")}${more}` };
  }
  const moved = replay.changed + replay.indeterminate;
  if (replay.calls > 0 && (moved / replay.calls) * 100 > threshold_pct) {
    const share = ((moved / replay.calls) * 100).toFixed(1);
    const unknown = replay.indeterminate > 0 ? ` (${replay.indeterminate} of them indeterminate)` : "";
    return {
      status: "held",
      because: `it would change ${moved} of ${replay.calls} replayed calls${unknown}, ${share}%, more than the ${threshold_pct}% threshold`,
    };
  }
  return { status: "live", because: null };
}

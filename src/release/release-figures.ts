/**
 * A release's figures as people read them, computed in code from its report: the Releases page prints them and
 * Claude's summary is asked to word them, never to compute them.
 */
import type { GoldenResult } from "../db/golden-tasks";
import type { Release } from "../db/releases";
import type { ReleaseReport } from "./check";
import type { ShadowActivation } from "./shadow-activated";

/** One figure: a name and its value as a short sentence fragment. */
export interface ReleaseFigure {
  name: string;
  value: string;
}

/** The report a release stores, read back (releases recorded before a field existed lack it). */
export function reportOf(release: Pick<Release, "report">): Partial<ReleaseReport> {
  return release.report as Partial<ReleaseReport>;
}

/** Replayed calls that would change (indeterminate ones included: they may), in percent to one decimal. */
export function changedShare(release: Pick<Release, "replay">): string {
  const { calls, changed, indeterminate } = release.replay;
  return calls === 0 ? "0.0" : (((changed + indeterminate) / calls) * 100).toFixed(1);
}

/**
 * The figures of a release: status, rows changed, golden tasks, replay impact, threshold.
 * @example releaseFigures(release) // [{ name: "Replay", value: "3 of 40 replayed calls would change (7.5%)…" }, …]
 */
export function releaseFigures(release: Release): ReleaseFigure[] {
  const report = reportOf(release);
  const rows = report.changed_rows ?? { added: [], removed: [], modified: [] };
  const broken = (report.golden ?? []).filter((result) => !result.passed);
  const days = report.replay?.days;
  const threshold = report.threshold_pct;
  const { calls, changed, indeterminate } = release.replay;
  return [
    { name: "Status", value: release.status },
    {
      name: "Rows changed",
      value: `${rows.added.length} added, ${rows.modified.length} modified, ${rows.removed.length} removed`,
    },
    {
      name: "Golden tasks",
      value:
        `${release.golden.passed} passed, ${release.golden.failed} failed` +
        (broken.length > 0 ? ` (${broken.map(goldenLine).slice(0, 3).join("; ")})` : ""),
    },
    {
      name: "Replay",
      value:
        `${changed + indeterminate} of ${calls} replayed calls${days ? ` of the last ${days} days` : ""} would change ` +
        `(${changedShare(release)}%): ${changed} certainly, ${indeterminate} indeterminate`,
    },
    ...(threshold === undefined ? [] : [{ name: "Threshold", value: `${threshold}% of replayed calls` }]),
    ...(release.held_because ? [{ name: "Held because", value: release.held_because }] : []),
    ...(report.shadow_activated ?? []).map((row) => ({ name: "Shadow → Active", value: shadowLine(row) })),
  ];
}

/** One golden result, expected vs got. */
export function goldenLine(result: GoldenResult): string {
  const expected = result.expected_reason ? `${result.expected} (${result.expected_reason})` : result.expected;
  return `"${result.name}": expected ${expected}, got ${result.got} (${result.reason_code})`;
}

/** What a row turned from Shadow to Active did while in shadow, in one line. */
export function shadowLine(row: ShadowActivation): string {
  const unknown = row.indeterminate > 0 ? `, ${row.indeterminate} indeterminate` : "";
  return (
    `${row.name} (${row.policy_id}), now Active (${row.mode}): while in shadow it matched ${row.matched} of the ` +
    `${row.calls} recorded calls of its tools${unknown}`
  );
}

import { describe, expect, it } from "vitest";
import {
  SUMMARY_CLOSE,
  SUMMARY_OPEN,
  combineRuns,
  mergeResults,
  renderSection,
  renderSummary,
  replaceBetween,
} from "../../bench/summary";
import { atLeast, atMost, exactly, type StoredResult } from "../../bench/types";

const AT = "2026-12-06T20:31:00.000Z";

/** One run of an imaginary benchmark with an overhead (target ≤ 1 ms), a hop and a count. */
const run = (overhead: number, hop = 2) => ({
  results: [
    { name: "overhead.p50", unit: "ms", value: overhead },
    { name: "hop.p50", unit: "ms", value: hop },
  ],
  notes: [
    { name: "overhead.p50", target: atMost(1, "ms"), summary: "overhead per call" },
    { name: "hop.p50", summary: "bare round trip" },
  ],
});

describe("combining the runs of one benchmark", () => {
  it("stores a single run's figure with its run's date and no spread", () => {
    const [overhead] = combineRuns([run(0.8)], AT);
    expect(overhead).toEqual({
      name: "overhead.p50",
      unit: "ms",
      value: 0.8,
      measured_at: AT,
      target: "≤ 1 ms",
      met: true,
      summary: "overhead per call",
    });
  });

  it("stores the median of repeated runs with every recorded value and their spread", () => {
    const [overhead] = combineRuns([run(6.5), run(5.9), run(7.1)], AT);
    expect(overhead!.value).toBe(6.5);
    expect(overhead!.runs).toEqual({ n: 3, min: 5.9, max: 7.1, values: [6.5, 5.9, 7.1] });
  });

  it("takes a value some run measured as the median of an even count (the lower middle one)", () => {
    const [overhead] = combineRuns([run(4), run(1), run(3), run(2)], AT);
    expect(overhead!.value).toBe(2);
  });

  it("computes the verdict from the median, not from any one run", () => {
    const [overhead] = combineRuns([run(0.9), run(1.4), run(1.2)], AT);
    expect(overhead).toMatchObject({ value: 1.2, met: false });
  });

  it("lets a target read other figures of the same run", () => {
    const relative = {
      results: [
        { name: "a", unit: "ms", value: 3 },
        { name: "b", unit: "ms", value: 2.5 },
      ],
      notes: [
        {
          name: "a",
          target: { text: "≤ b + 1 ms", holds: (v: number, f: (n: string) => number | undefined) => v <= f("b")! + 1 },
        },
      ],
    };
    expect(combineRuns([relative], AT)[0]).toMatchObject({ target: "≤ b + 1 ms", met: true });
  });

  it("keeps a plain-text target's verdict for a single run only, since it was judged on that run", () => {
    const legacy = (value: number, met: boolean) => ({
      results: [{ name: "decide.p50.1000", unit: "µs", value }],
      notes: [{ name: "decide.p50.1000", target: "≤ 2 µs", met }],
    });
    expect(combineRuns([legacy(1.9, true)], AT)[0]).toMatchObject({ target: "≤ 2 µs", met: true });
    expect(combineRuns([legacy(1.9, true), legacy(3.1, false), legacy(2.5, false)], AT)[0]!.met).toBeUndefined();
  });

  it("states targets in the words the summary shows", () => {
    expect(atMost(1, "ms").text).toBe("≤ 1 ms");
    expect(atLeast(5000, "entries/s").text).toBe("≥ 5,000 entries/s");
    expect(exactly(0, "cents").text).toBe("0 cents");
    expect(exactly(4).holds(4, () => undefined)).toBe(true);
    expect(exactly(4).holds(5, () => undefined)).toBe(false);
  });
});

describe("bench/results.json after a run", () => {
  it("replaces the figures measured again and keeps the others with their own dates", () => {
    const old: StoredResult[] = [
      { name: "ledger.appends_per_s", unit: "entries/s", value: 5189, measured_at: "2026-12-06" },
      { name: "overhead.p50", unit: "ms", value: 6.5, measured_at: "2026-12-06" },
    ];
    const merged = mergeResults(old, combineRuns([run(5.2)], AT));
    expect(merged.map((r) => [r.name, r.value, r.measured_at])).toEqual([
      ["hop.p50", 2, AT],
      ["ledger.appends_per_s", 5189, "2026-12-06"],
      ["overhead.p50", 5.2, AT],
    ]);
  });
});

describe("the summary in BENCHMARKS.md", () => {
  const stored: StoredResult[] = [
    ...combineRuns([run(6.5), run(5.9), run(7.1)], AT),
    { name: "redact.ms_per_3kb", unit: "ms", value: 0.08, measured_at: "2026-12-01", target: "≤ 0.1 ms", met: true },
    { name: "cel.bufbuild.eval_ns.amount", unit: "ns", value: 860, measured_at: "2026-11-22" },
  ];
  const summary = renderSummary(stored);

  it("shows each figure with its spread and the date of its run", () => {
    expect(summary).toContain(
      "| overhead per call | `overhead.p50` | 6.5 ms (median of 3 runs, 5.9–7.1) | ≤ 1 ms | **missed** | 2026-12-06 |",
    );
    expect(summary).toContain("| `redact.ms_per_3kb` | 0.08 ms | ≤ 0.1 ms | met | 2026-12-01 |");
  });

  it("leaves out figures with neither a target nor a summary label", () => {
    expect(summary).not.toContain("cel.bufbuild");
  });

  it("counts the targets met from the verdicts it shows", () => {
    expect(summary).toContain("1 of 2 checked targets met; 2 of 3 figures below come from repeated runs.");
  });

  it("sits between its markers, replacing the previous summary and nothing else", () => {
    const doc = `# Benchmarks\n\nintro\n\n${SUMMARY_OPEN}\nold table\n${SUMMARY_CLOSE}\n\n## History and analysis\n`;
    const next = replaceBetween(doc, SUMMARY_OPEN, SUMMARY_CLOSE, summary);
    expect(next).not.toContain("old table");
    expect(next.startsWith("# Benchmarks\n\nintro\n\n<!-- summary -->\n## Summary")).toBe(true);
    expect(next.endsWith(`${SUMMARY_CLOSE}\n\n## History and analysis\n`)).toBe(true);
  });
});

describe("a benchmark's section", () => {
  it("says how many runs its values are the median of and shows each spread", () => {
    const section = renderSection({
      name: "overhead",
      title: "Governance overhead",
      results: combineRuns([run(6.5), run(5.9), run(7.1)], AT),
      notes: run(7.1).notes,
      method: "How it was measured.",
      node: "v20.20.2",
    });
    expect(section).toContain(
      "Measured 2026-12-06 on this project's machine (2 cores, Node v20.20.2), 3 recorded runs",
    );
    expect(section).toContain("| `overhead.p50` | 6.5 (5.9–7.1) | ms | ≤ 1 ms | **missed** |  |");
  });

  it("says nothing of runs when there was one", () => {
    const section = renderSection({
      name: "overhead",
      title: "Governance overhead",
      results: combineRuns([run(0.7)], AT),
      notes: run(0.7).notes,
      method: "How it was measured.",
      node: "v20.20.2",
    });
    expect(section).toContain("(2 cores, Node v20.20.2).");
    expect(section).toContain("| `overhead.p50` | 0.7 | ms | ≤ 1 ms | met |  |");
  });
});

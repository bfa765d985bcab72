/**
 * `npm run bench` (or `npm run bench -- --smoke` for a short CI run): runs every benchmark in this folder and,
 * after each, writes its figures to bench/results.json, then its section of BENCHMARKS.md and the summary from those
 * figures; prints progress. Pass names to run a subset: `npm run bench -- decide ledger`; `--repeat N` runs each selected
 * benchmark N times and records every run (figures are their medians, with the spread). Smoke runs write nothing.
 */
import { readFile, writeFile } from "node:fs/promises";
import {
  SUMMARY_CLOSE,
  SUMMARY_OPEN,
  combineRuns,
  formatFigure,
  mergeResults,
  renderSection,
  renderSummary,
  replaceBetween,
} from "./summary";
import type { BenchOptions, BenchReport, StoredResult } from "./types";

const BENCHES: Record<string, () => Promise<{ default: (o: BenchOptions) => Promise<BenchReport> }>> = {
  decide: () => import("./decide.bench"),
  cel: () => import("./cel.bench"),
  ledger: () => import("./ledger.bench"),
  "ledger-tree": () => import("./ledger-tree.bench"),
  overhead: () => import("./overhead.bench"),
  notion: () => import("./notion.bench"),
  approval: () => import("./approval.bench"),
  redact: () => import("./redact.bench"),
  budget: () => import("./budget.bench"),
  release: () => import("./release.bench"),
};

/** The command line: benchmark names, `--smoke`, `--repeat N` (or `--repeat=N`). */
function parseArgs(args: string[]) {
  const names: string[] = [];
  let smoke = false;
  let repeat = 1;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--smoke") smoke = true;
    else if (arg === "--repeat" || arg.startsWith("--repeat=")) {
      const text = arg === "--repeat" ? args[++i] : arg.slice("--repeat=".length);
      repeat = Number(text);
      if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat takes a whole number ≥ 1, not "${text}"`);
    } else if (arg.startsWith("--")) throw new Error(`unknown option ${arg}; known: --smoke, --repeat N`);
    else names.push(arg);
  }
  for (const name of names)
    if (!BENCHES[name]) throw new Error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(", ")}`);
  return { smoke, repeat, names: names.length ? names : Object.keys(BENCHES) };
}

const { smoke, repeat, names } = parseArgs(process.argv.slice(2));
const log = (line: string) => console.log(`  ${line}`);
const runStarted = performance.now();

/**
 * Writes one finished benchmark's figures into bench/results.json (merged with the rest, so a partial run keeps
 * them), its section of BENCHMARKS.md and the summary: after each benchmark, so a run stopped part-way keeps what it
 * measured.
 */
async function record(name: string, last: BenchReport, stored: StoredResult[]): Promise<number> {
  const previous: StoredResult[] = JSON.parse(await readFile("bench/results.json", "utf8").catch(() => "[]"));
  const merged = mergeResults(previous, stored);
  await writeFile("bench/results.json", JSON.stringify(merged, null, 2) + "\n");
  let doc = await readFile("BENCHMARKS.md", "utf8").catch(() => "# Benchmarks\n");
  const section = renderSection({
    name,
    title: last.title,
    results: stored,
    notes: last.notes,
    method: last.method,
    node: process.version,
  });
  doc = replaceBetween(doc, `<!-- results:${name} -->`, `<!-- /results:${name} -->`, section);
  doc = replaceBetween(doc, SUMMARY_OPEN, SUMMARY_CLOSE, renderSummary(merged));
  await writeFile("BENCHMARKS.md", doc);
  return merged.length;
}

let measured = 0;
const failed: string[] = [];
for (const name of names) {
  const measuredAt = new Date().toISOString();
  const runs: BenchReport[] = [];
  try {
    for (let i = 1; i <= repeat; i++) {
      console.log(`▶ ${name}${smoke ? " (smoke)" : ""}${repeat > 1 ? ` run ${i} of ${repeat}` : ""}`);
      const started = performance.now();
      const report = await (await BENCHES[name]!()).default({ smoke, log });
      runs.push(report);
      for (const r of report.results) log(`${r.name} = ${r.value} ${r.unit}`);
      console.log(`✓ ${name} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  } catch (error) {
    // One broken benchmark must not throw away the others' figures; the run still fails at the end.
    console.error(`✗ ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    failed.push(name);
    continue;
  }
  const stored = combineRuns(runs, measuredAt);
  if (repeat > 1) for (const r of stored) log(`${r.name} = ${formatFigure(r)}`);
  measured += stored.length;
  if (!smoke) {
    const total = await record(name, runs.at(-1)!, stored);
    console.log(`wrote ${name}'s figures to bench/results.json (${total} figures) and BENCHMARKS.md`);
  }
}

if (smoke) console.log(`smoke run: ${measured} figures measured; bench/results.json and BENCHMARKS.md left unchanged`);
console.log(`bench run took ${((performance.now() - runStarted) / 1000).toFixed(1)} s`);
if (failed.length > 0) {
  console.error(`failed: ${failed.join(", ")}`);
  process.exitCode = 1;
}

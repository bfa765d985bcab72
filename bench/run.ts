/**
 * `npm run bench` (or `npm run bench -- --smoke` for a short CI run): runs every benchmark in this folder,
 * writes bench/results.json and the results table in BENCHMARKS.md (between the markers), and prints progress.
 * Pass names to run a subset: `npm run bench -- decide ledger`.
 */
import { readFile, writeFile } from "node:fs/promises";
import type { BenchNote, BenchOptions, BenchReport, BenchResult } from "./types";

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
};

const args = process.argv.slice(2);
const smoke = args.includes("--smoke");
const only = args.filter((a) => !a.startsWith("--"));
const names = only.length ? only : Object.keys(BENCHES);
const log = (line: string) => console.log(`  ${line}`);

const reports: BenchReport[] = [];
for (const name of names) {
  const load = BENCHES[name];
  if (!load) throw new Error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(", ")}`);
  console.log(`▶ ${name}${smoke ? " (smoke)" : ""}`);
  const started = performance.now();
  const report = await (await load()).default({ smoke, log });
  reports.push(report);
  for (const r of report.results) log(`${r.name} = ${r.value} ${r.unit}`);
  console.log(`✓ ${name} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const results: BenchResult[] = reports.flatMap((r) => r.results);
const notes = new Map<string, BenchNote>(reports.flatMap((r) => r.notes).map((n) => [n.name, n]));

if (smoke) {
  console.log(`smoke run: ${results.length} figures measured; bench/results.json and BENCHMARKS.md left unchanged`);
} else {
  // Merge with figures from benchmarks not run this time, so a partial run keeps the rest.
  const previous: BenchResult[] = JSON.parse(await readFile("bench/results.json", "utf8").catch(() => "[]"));
  const fresh = new Set(results.map((r) => r.name));
  const merged = [...previous.filter((r) => !fresh.has(r.name)), ...results].sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  await writeFile("bench/results.json", JSON.stringify(merged, null, 2) + "\n");

  // Each benchmark owns one section of BENCHMARKS.md between its markers; a partial run replaces only its own.
  let doc = await readFile("BENCHMARKS.md", "utf8").catch(() => "# Benchmarks\n");
  const date = new Date().toISOString().slice(0, 10);
  for (const [i, report] of reports.entries()) {
    const name = names[i]!;
    const rows = report.results.map((r) => {
      const n = notes.get(r.name);
      const verdict = n?.met === undefined ? "" : n.met ? "met" : "**missed**";
      return `| \`${r.name}\` | ${r.value} | ${r.unit} | ${n?.target ?? ""} | ${verdict} | ${n?.note ?? ""} |`;
    });
    const open = `<!-- results:${name} -->`;
    const close = `<!-- /results:${name} -->`;
    const section = [
      open,
      `### ${report.title}`,
      "",
      `Measured ${date} on this project's machine (2 cores, Node ${process.version}).`,
      "",
      "| name | value | unit | target | verdict | note |",
      "| --- | --- | --- | --- | --- | --- |",
      ...rows,
      "",
      report.method.trim(),
      close,
    ].join("\n");
    const start = doc.indexOf(open);
    const end = doc.indexOf(close);
    doc =
      start >= 0 && end > start
        ? doc.slice(0, start) + section + doc.slice(end + close.length)
        : `${doc.trimEnd()}\n\n${section}\n`;
  }
  await writeFile("BENCHMARKS.md", doc);
  console.log(`wrote bench/results.json (${merged.length} figures) and BENCHMARKS.md`);
}

/**
 * Two checkouts' governed calls side by side: bundles this project and a baseline checkout (`npx tsx
 * bench/overhead-ab.ts <baseline-dir> [calls]`), runs both in workerd at once against one upstream, and times the
 * unguarded read through each in interleaved blocks (and 16 concurrent callers, alternating), so a busy machine
 * slows both alike. Prints each side's p50 and p99, the CPU its workerd process used per sequential call (steadier than
 * wall time on a loaded machine), and the difference. A tool for reading a change, not a benchmark
 * with targets.
 */
import { startBundledWorker } from "./fixtures/bundled-worker";
import { cpuMs, workerdPid } from "./fixtures/process-cpu";
import { startUpstream } from "./fixtures/upstream-server";
import { ADMIN, governedGetOrder, setUpBenchTenant, throughput, timeEach } from "./overhead.bench";
import { percentile } from "./types";

async function main() {
  const [baselineDir, callsArg] = process.argv.slice(2);
  if (!baselineDir) throw new Error("usage: npx tsx bench/overhead-ab.ts <baseline-dir> [calls]");
  const calls = Number(callsArg ?? 400);
  const upstream = await startUpstream(18896);
  const vars = { ADMIN_TOKEN: ADMIN };
  const base = await startBundledWorker({ port: 18897, vars, projectDir: baselineDir, outdir: "bench/.out/ab-base" });
  const self = await startBundledWorker({ port: 18898, vars, outdir: "bench/.out/ab-this" });
  try {
    let id = 0;
    const caller = async (url: string) => {
      const { api_key } = await setUpBenchTenant(url, upstream.url);
      return async () => void (await governedGetOrder(url, api_key, ++id));
    };
    const sides = { baseline: await caller(base.url), this: await caller(self.url) };
    for (const fn of Object.values(sides)) await timeEach(fn, 100);
    const pids = { baseline: await workerdPid(18897), this: await workerdPid(18898) };
    const ms = { baseline: [] as number[], this: [] as number[] };
    const cpu = { baseline: 0, this: 0 };
    for (let block = 0; block < 20; block++)
      for (const side of block % 2 ? (["this", "baseline"] as const) : (["baseline", "this"] as const)) {
        const before = await cpuMs(pids[side]);
        ms[side].push(...(await timeEach(sides[side], calls / 20)));
        cpu[side] += (await cpuMs(pids[side])) - before;
      }
    const rates = { baseline: [] as number[], this: [] as number[] };
    for (let round = 0; round < 4; round++)
      for (const side of round % 2 ? (["this", "baseline"] as const) : (["baseline", "this"] as const))
        rates[side].push(await throughput(sides[side], 400));
    const p = (xs: number[], q: number) => percentile(xs, q).toFixed(3);
    for (const side of ["baseline", "this"] as const)
      console.log(
        `${side.padEnd(8)} p50 ${p(ms[side], 50)} ms  p99 ${p(ms[side], 99)} ms  workerd CPU ${(cpu[side] / calls).toFixed(2)} ms/call  calls/s ${rates[side].map((r) => r.toFixed(0)).join(" ")}`,
      );
    console.log(`difference p50 ${(percentile(ms.this, 50) - percentile(ms.baseline, 50)).toFixed(3)} ms`);
  } finally {
    await base.stop();
    await self.stop();
    await upstream.close();
  }
}

await main();

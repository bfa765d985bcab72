/**
 * The budget book under a burst, through the real BudgetDO in workerd (wrangler's programmatic dev server,
 * bench/fixtures/budget-worker.ts): overspend when 1,000 reservations race for one cap, reservations and
 * settlements per second, and how long a reservation takes in a burst and alone.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unstable_startWorker } from "wrangler";
import { postToWorker } from "./fixtures/post-to-worker";
import { exactly, percentile, type BenchOptions, type BenchReport } from "./types";

const BURST = 1000;
const CAP_CENTS = 50_000;
const ASK_CENTS = 73;

type Worker = Awaited<ReturnType<typeof unstable_startWorker>>;

interface Burst {
  accepted: number;
  limit: number;
  held: number;
  spent: number;
  reserve_ms: number;
  settle_ms: number;
  latencies_ms: number[];
}

async function post<T>(worker: Worker, path: string): Promise<T> {
  // Read as text first: wrangler's dev proxy answers some failures in plain text, and the error should quote it.
  const { ok, status, text } = await postToWorker(worker, path);
  if (!ok) throw new Error(`${path}: ${status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/** One burst of `BURST` simultaneous reservations into a fresh tenant's book. */
function burst(worker: Worker, tenant: string, query: string): Promise<Burst> {
  return post<Burst>(worker, `/burst?tenant=${tenant}&count=${BURST}&${query}`);
}

export default async function budgetBench({ smoke, log }: BenchOptions): Promise<BenchReport> {
  const rounds = smoke ? 2 : 7;
  const sequential = smoke ? 100 : 500;
  const persist = await mkdtemp(join(tmpdir(), "policy-os-budget-bench-"));
  // Miniflare otherwise downloads Request.cf data from workers.cloudflare.com; the bench needs no network.
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
  const worker = await unstable_startWorker({
    config: "bench/fixtures/budget-wrangler.toml",
    build: { nodejsCompatMode: "v2" },
    dev: { persist, watch: false, inspector: false, logLevel: "warn", server: { hostname: "127.0.0.1", port: 0 } },
  });
  try {
    await worker.ready;
    await burst(worker, "warmup", `amount=${ASK_CENTS}&limit=${CAP_CENTS}&lines=3`);

    log(`${rounds} rounds of ${BURST} simultaneous ${ASK_CENTS}-cent reservations against a ${CAP_CENTS}-cent cap`);
    let overspend = 0;
    let wrongCount = 0;
    for (let round = 0; round < rounds; round++) {
      const race = await burst(worker, `race_${round}`, `amount=${ASK_CENTS}&limit=${CAP_CENTS}&lines=1`);
      overspend = Math.max(overspend, race.held - race.limit, race.spent - race.limit);
      if (race.accepted !== Math.floor(CAP_CENTS / ASK_CENTS)) wrongCount++;
    }

    log(`${rounds} rounds of ${BURST} simultaneous three-cap reservations with room for all, then their settlements`);
    const rates: number[] = [];
    const settles: number[] = [];
    const latencies: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const run = await burst(worker, `roomy_${round}`, `amount=${ASK_CENTS}&limit=1000000000&lines=3`);
      if (run.accepted !== BURST) throw new Error(`only ${run.accepted} of ${BURST} roomy reservations were taken`);
      rates.push((BURST / Math.max(1, run.reserve_ms)) * 1000);
      settles.push((BURST / Math.max(1, run.settle_ms)) * 1000);
      latencies.push(...run.latencies_ms);
    }

    log(`${sequential} reservations and settlements one at a time`);
    const alone = await post<{ ms: number }>(worker, `/sequential?tenant=sequential&count=${sequential}`);
    const aloneMs = alone.ms / sequential;

    return {
      title: "Budget book (BudgetDO in workerd)",
      results: [
        { name: "budget.overspend_1000", unit: "cents", value: overspend },
        { name: "budget.rounds_not_filling_cap", unit: "rounds", value: wrongCount },
        { name: "budget.reservations_per_s", unit: "reservations/s", value: Math.round(percentile(rates, 50)) },
        { name: "budget.settles_per_s", unit: "settlements/s", value: Math.round(percentile(settles, 50)) },
        { name: "budget.reserve_p50_ms.burst1000", unit: "ms", value: percentile(latencies, 50) },
        { name: "budget.reserve_p99_ms.burst1000", unit: "ms", value: percentile(latencies, 99) },
        { name: "budget.reserve_settle_ms.alone", unit: "ms", value: Number(aloneMs.toFixed(2)) },
      ],
      notes: [
        {
          name: "budget.overspend_1000",
          target: exactly(0, "cents"),
          summary: "1,000 simultaneous reservations against one cap: cents over",
          note: `worst of ${rounds} rounds; ${Math.floor(CAP_CENTS / ASK_CENTS)} of ${BURST} taken every round${wrongCount ? ` except ${wrongCount}` : ""}`,
        },
        {
          name: "budget.rounds_not_filling_cap",
          target: exactly(0, "rounds"),
          summary: "budget rounds that took other than the reservations that fit",
          note: `rounds in which other than the ${Math.floor(CAP_CENTS / ASK_CENTS)} reservations that fit were taken`,
        },
        { name: "budget.reservations_per_s", note: "three caps per reservation; median of rounds" },
        { name: "budget.settles_per_s", note: `${BURST} simultaneous settlements; median of rounds` },
        { name: "budget.reserve_p50_ms.burst1000", note: "from the burst's start to each answer (queueing included)" },
        { name: "budget.reserve_p99_ms.burst1000", note: "whole milliseconds (workerd's clock)" },
        { name: "budget.reserve_settle_ms.alone", note: "one reserve + one settle RPC, mean of one-at-a-time calls" },
      ],
      method: `
The real \`BudgetDO\` runs in workerd under wrangler's programmatic dev server (\`unstable_startWorker\`) with
SQLite-backed Durable Object storage persisted to a temporary directory. A bench Worker
(\`bench/fixtures/budget-worker.ts\`) receives one request per round and fires ${BURST.toLocaleString("en")}
simultaneous \`reserve\` RPCs at one tenant's book with \`Promise.all\`. Overspend: each asks ${ASK_CENTS} cents of
one workspace cap of ${CAP_CENTS.toLocaleString("en")} cents; the figure is the most that spent plus reserved, or
spent after every accepted reservation is settled, exceeded the cap in any of ${rounds} rounds (exactly
${Math.floor(CAP_CENTS / ASK_CENTS)} reservations fit). Throughput: each reservation holds three caps (workspace
month, agent day, run calls) with room for all, and the accepted ones are then settled simultaneously; rates are
${BURST} over the burst's time, measured in the Worker, median of ${rounds} rounds after a warm-up. Latencies are
from the burst's start to each answer, so they include waiting behind the rest of the burst; workerd's clock
advances only on I/O, so they are whole milliseconds. "Alone" is ${sequential} reserve + settle pairs one after
another, the mean pair. Local workerd on this machine, not Cloudflare's edge: there the caller's RPC crosses the
network to the object and storage commits are replicated.`,
    };
  } finally {
    await worker.dispose();
    await rm(persist, { recursive: true, force: true });
  }
}

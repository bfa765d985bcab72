/**
 * Ledger appends per second in one tenant, through the real LedgerDO in workerd (wrangler's programmatic dev
 * server, bench/fixtures/ledger-worker.ts): single-entry RPCs as the pipeline makes them, batches of 10, and
 * verification speed.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unstable_startWorker } from "wrangler";
import { postToWorker } from "./fixtures/post-to-worker";
import { startUpstream } from "./fixtures/upstream-server";
import { atLeast, percentile, type BenchOptions, type BenchReport } from "./types";

const TARGET_APPENDS_PER_S = 5000;

type Worker = Awaited<ReturnType<typeof unstable_startWorker>>;

/** Posts to the bench worker and returns its JSON answer with the wall time in ms, measured here in Node. */
async function timed<T>(worker: Worker, path: string): Promise<{ ms: number; body: T }> {
  const started = performance.now();
  const { ok, status, text } = await postToWorker(worker, path);
  const ms = performance.now() - started;
  if (!ok) throw new Error(`${path}: ${status} ${text.slice(0, 500)}`);
  return { ms, body: JSON.parse(text) as T };
}

/** Appends `entries` entries as `entries / batch` concurrent RPCs; returns entries per second. */
async function appendRate(worker: Worker, tenant: string, entries: number, batch: number): Promise<number> {
  const calls = entries / batch;
  const { ms, body } = await timed<{ entries: number }>(
    worker,
    `/append?tenant=${tenant}&calls=${calls}&batch=${batch}`,
  );
  if (body.entries !== entries) throw new Error(`appended ${body.entries} of ${entries}`);
  return (entries / ms) * 1000;
}

/** Appends `entries` single entries one after another, each awaited; returns entries per second. */
async function sequentialRate(worker: Worker, tenant: string, entries: number): Promise<number> {
  const { ms, body } = await timed<{ entries: number }>(worker, `/append-sequential?tenant=${tenant}&calls=${entries}`);
  if (body.entries !== entries) throw new Error(`appended ${body.entries} of ${entries} one at a time`);
  return (entries / ms) * 1000;
}

/** The two shapes of a governed call's ledger work that the benchmark compares (bench/fixtures/ledger-worker.ts). */
const SHAPES = ["rpc-pair", "in-object"] as const;
type Shape = (typeof SHAPES)[number];

/** Invocations made so far, per shape: each call gets a new one, so no outcome append is a repeat. */
const issued: Record<Shape, number> = { "rpc-pair": 0, "in-object": 0 };

/** Makes `calls` governed-call shapes, `at_once` at a time, against `upstream`; returns calls per second. */
async function callRate(
  worker: Worker,
  shape: Shape,
  upstream: string,
  calls: number,
  at_once: number,
): Promise<number> {
  const from = issued[shape];
  issued[shape] += calls;
  const query = `shape=${shape}&tenant=${shape}&from=${from}&calls=${calls}&at_once=${at_once}&upstream=${encodeURIComponent(upstream)}`;
  const { ms, body } = await timed<{ entries: number }>(worker, `/calls?${query}`);
  if (body.entries !== 2 * calls) throw new Error(`${shape}: appended ${body.entries} entries for ${calls} calls`);
  return (calls / ms) * 1000;
}

/** Median of `rounds` rates. */
async function medianRate(rounds: number, rate: () => Promise<number>): Promise<number> {
  const rates: number[] = [];
  for (let i = 0; i < rounds; i++) rates.push(await rate());
  return percentile(rates, 50);
}

/** Each shape's calls/s one at a time and 16 at once: the median of `rounds` rounds, the shapes alternating. */
async function compareShapes(worker: Worker, upstream: string, calls: number, rounds: number) {
  const rates = Object.fromEntries(
    SHAPES.map((shape) => [shape, { sequential: [] as number[], concurrent: [] as number[] }]),
  );
  for (const shape of SHAPES) await callRate(worker, shape, upstream, 50, 4);
  for (let round = 0; round < rounds; round++)
    for (const shape of round % 2 ? [...SHAPES].reverse() : SHAPES) {
      rates[shape]!.sequential.push(await callRate(worker, shape, upstream, calls, 1));
      rates[shape]!.concurrent.push(await callRate(worker, shape, upstream, calls, 16));
    }
  const median = (xs: number[]) => percentile(xs, 50);
  return Object.fromEntries(
    SHAPES.map((shape) => [
      shape,
      { sequential: median(rates[shape]!.sequential), concurrent: median(rates[shape]!.concurrent) },
    ]),
  ) as Record<Shape, { sequential: number; concurrent: number }>;
}

export default async function ledgerBench({ smoke, log }: BenchOptions): Promise<BenchReport> {
  const entries = smoke ? 1000 : 5000;
  const rounds = smoke ? 2 : 5;
  const sequential = smoke ? 200 : 1000;
  const shapeCalls = smoke ? 100 : 1000;
  const persist = await mkdtemp(join(tmpdir(), "policy-os-ledger-bench-"));
  // Miniflare otherwise downloads Request.cf data from workers.cloudflare.com; the bench needs no network.
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
  const worker = await unstable_startWorker({
    config: "bench/fixtures/ledger-wrangler.toml",
    // `wrangler dev` derives this from the config's nodejs_compat flag; the programmatic API needs it spelled out.
    build: { nodejsCompatMode: "v2" },
    dev: { persist, watch: false, inspector: false, logLevel: "warn", server: { hostname: "127.0.0.1", port: 0 } },
  });
  const upstream = await startUpstream(18805);
  try {
    await worker.ready;
    await appendRate(worker, "warmup", 200, 1);
    await appendRate(worker, "single", 100, 1);
    await appendRate(worker, "batch", 100, 10);
    await sequentialRate(worker, "sequential", 50);

    log(`${rounds} rounds of ${entries} concurrent single-entry appends`);
    const single = await medianRate(rounds, () => appendRate(worker, "single", entries, 1));
    log(`${rounds} rounds of ${sequential} single-entry appends one after another, each waiting for its commit`);
    const oneByOne = await medianRate(rounds, () => sequentialRate(worker, "sequential", sequential));
    log(`${rounds} rounds of ${entries / 10} concurrent 10-entry appends`);
    const batch10 = await medianRate(rounds, () => appendRate(worker, "batch", entries, 10));

    log(`${rounds} rounds of ${shapeCalls} governed-call shapes each way, one at a time and 16 at once`);
    const shapes = await compareShapes(worker, upstream.url, shapeCalls, rounds);

    const verified = await timed<{ ok: boolean; entries: number }>(worker, "/verify?tenant=single");
    if (!verified.body.ok) throw new Error("the benchmark's ledger failed verification");
    const verifyRate = (verified.body.entries / verified.ms) * 1000;

    return {
      title: "Ledger appends (LedgerDO in workerd)",
      results: [
        { name: "ledger.appends_per_s", unit: "entries/s", value: Math.round(single) },
        { name: "ledger.appends_per_s.batch10", unit: "entries/s", value: Math.round(batch10) },
        { name: "ledger.appends_per_s.sequential", unit: "entries/s", value: Math.round(oneByOne) },
        { name: "ledger.append_ms.sequential", unit: "ms", value: Number((1000 / oneByOne).toFixed(3)) },
        { name: "ledger.verify_entries_per_s", unit: "entries/s", value: Math.round(verifyRate) },
        ...SHAPES.flatMap((shape) => [
          {
            name: `ledger.call_shape.${shape}.ms`,
            unit: "ms",
            value: Number((1000 / shapes[shape].sequential).toFixed(3)),
          },
          {
            name: `ledger.call_shape.${shape}.calls_per_s`,
            unit: "calls/s",
            value: Math.round(shapes[shape].concurrent),
          },
        ]),
      ],
      notes: [
        {
          name: "ledger.appends_per_s",
          target: atLeast(TARGET_APPENDS_PER_S, "entries/s"),
          summary: "ledger appends, one tenant, one entry per RPC, many calls at once",
          note: `one RPC per entry, ${entries.toLocaleString("en")} at once, one tenant; median of rounds`,
        },
        {
          name: "ledger.appends_per_s.batch10",
          note: "10 entries per RPC",
          summary: "ledger appends in batches of 10",
        },
        {
          name: "ledger.appends_per_s.sequential",
          note: `one RPC per entry, each waiting for the previous one's commit (${sequential.toLocaleString("en")} per round); median of rounds`,
          summary: "ledger appends one after another (one call, one append, awaited)",
        },
        {
          name: "ledger.append_ms.sequential",
          note: "the mean time of one append as a pipeline call waits for it: the RPC, hashing, the insert and the commit",
          summary: "one ledger append as a call waits for it",
        },
        { name: "ledger.verify_entries_per_s", note: `one verify() of ${verified.body.entries} entries` },
        {
          name: "ledger.call_shape.rpc-pair.ms",
          note: "a call's ledger work as the pipeline does it today: append RPC, the host's tools/call, append RPC; one call at a time",
          summary: "a governed call's appends and host call, two append RPCs from the Worker (today)",
        },
        {
          name: "ledger.call_shape.in-object.ms",
          note: "the same inside the tenant's ledger object: one RPC, two local appends, the fetch held by the output gate",
          summary: "the same run inside the ledger's Durable Object (one RPC)",
        },
        { name: "ledger.call_shape.rpc-pair.calls_per_s", note: "16 calls at once, one tenant" },
        { name: "ledger.call_shape.in-object.calls_per_s", note: "16 calls at once, one tenant" },
      ],
      method: `
The real \`LedgerDO\` runs in workerd under wrangler's programmatic dev server (\`unstable_startWorker\`) with
SQLite-backed Durable Object storage persisted to a temporary directory. A bench Worker
(\`bench/fixtures/ledger-worker.ts\`) receives one request per round and makes ${entries.toLocaleString("en")}
concurrent \`append\` RPCs to one tenant's ledger (one entry each, as the pipeline appends; or ${entries / 10} RPCs of
10 entries), or ${sequential.toLocaleString("en")} single-entry RPCs one after another, each awaited before the next, as
one pipeline call waits for its own append (the sequential figures, the concurrency one call sees); the time is taken in Node around that request, so it includes the RPC round trips, input validation,
canonical JSON, SHA-256, the SQLite inserts and the storage commit. Median of ${rounds} rounds after a warm-up; the
ledger grows across rounds. \`verify\` re-reads and rehashes the single-entry tenant's whole ledger in pages.
The call shapes (\`ledger.call_shape.*\`) weigh the overhead issue's main direction before building it: each call
appends a decision entry, sends one \`tools/call\` to a real MCP server in Node (bench/fixtures/upstream-server.ts)
and appends an outcome entry. \`rpc-pair\` is today's pipeline: two append RPCs from the Worker around the Worker's
own fetch. \`in-object\` is one RPC to the tenant's ledger object, which appends locally, fetches (its output gate
holds the fetch until the decision is durable) and appends again. ${shapeCalls} calls per round each way, one at a time
(ms per call) and 16 at once (calls/s), alternating shapes, median of ${rounds} rounds; each shape has its own tenant.
Policy, MCP and the audit row are left out on both sides: only the ledger's part of the call differs.
Local workerd on this machine, not Cloudflare's edge: production adds durable storage replication per commit, and a
network round trip to the object for each RPC, which \`in-object\` makes once per call instead of twice.`,
    };
  } finally {
    await upstream.close();
    await worker.dispose();
    await rm(persist, { recursive: true, force: true });
  }
}

/**
 * Ledger appends per second in one tenant, through the real LedgerDO in workerd (wrangler's programmatic dev
 * server, bench/fixtures/ledger-worker.ts): single-entry RPCs as the pipeline makes them, batches of 10, and
 * verification speed.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unstable_startWorker } from "wrangler";
import { percentile, type BenchOptions, type BenchReport } from "./types";

const TARGET_APPENDS_PER_S = 5000;

type Worker = Awaited<ReturnType<typeof unstable_startWorker>>;

/** Posts to the bench worker and returns its JSON answer with the wall time in ms, measured here in Node. */
async function timed<T>(worker: Worker, path: string): Promise<{ ms: number; body: T }> {
  const started = performance.now();
  const response = await worker.fetch(`http://bench${path}`, { method: "POST" });
  const body = (await response.json()) as T;
  const ms = performance.now() - started;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  return { ms, body };
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

/** Median of `rounds` rates. */
async function medianRate(rounds: number, rate: () => Promise<number>): Promise<number> {
  const rates: number[] = [];
  for (let i = 0; i < rounds; i++) rates.push(await rate());
  return percentile(rates, 50);
}

export default async function ledgerBench({ smoke, log }: BenchOptions): Promise<BenchReport> {
  const entries = smoke ? 1000 : 5000;
  const rounds = smoke ? 2 : 5;
  const persist = await mkdtemp(join(tmpdir(), "policy-os-ledger-bench-"));
  // Miniflare otherwise downloads Request.cf data from workers.cloudflare.com; the bench needs no network.
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
  const worker = await unstable_startWorker({
    config: "bench/fixtures/ledger-wrangler.toml",
    // `wrangler dev` derives this from the config's nodejs_compat flag; the programmatic API needs it spelled out.
    build: { nodejsCompatMode: "v2" },
    dev: { persist, watch: false, inspector: false, logLevel: "warn", server: { hostname: "127.0.0.1", port: 0 } },
  });
  try {
    await worker.ready;
    await appendRate(worker, "warmup", 200, 1);
    await appendRate(worker, "single", 100, 1);
    await appendRate(worker, "batch", 100, 10);

    log(`${rounds} rounds of ${entries} concurrent single-entry appends`);
    const single = await medianRate(rounds, () => appendRate(worker, "single", entries, 1));
    log(`${rounds} rounds of ${entries / 10} concurrent 10-entry appends`);
    const batch10 = await medianRate(rounds, () => appendRate(worker, "batch", entries, 10));

    const verified = await timed<{ ok: boolean; entries: number }>(worker, "/verify?tenant=single");
    if (!verified.body.ok) throw new Error("the benchmark's ledger failed verification");
    const verifyRate = (verified.body.entries / verified.ms) * 1000;

    const met = single >= TARGET_APPENDS_PER_S;
    return {
      title: "Ledger appends (LedgerDO in workerd)",
      results: [
        { name: "ledger.appends_per_s", unit: "entries/s", value: Math.round(single) },
        { name: "ledger.appends_per_s.batch10", unit: "entries/s", value: Math.round(batch10) },
        { name: "ledger.verify_entries_per_s", unit: "entries/s", value: Math.round(verifyRate) },
      ],
      notes: [
        {
          name: "ledger.appends_per_s",
          target: `≥ ${TARGET_APPENDS_PER_S.toLocaleString("en")} entries/s`,
          met,
          note: "one RPC per entry, one tenant; median of rounds",
        },
        { name: "ledger.appends_per_s.batch10", note: "10 entries per RPC" },
        { name: "ledger.verify_entries_per_s", note: `one verify() of ${verified.body.entries} entries` },
      ],
      method: `
The real \`LedgerDO\` runs in workerd under wrangler's programmatic dev server (\`unstable_startWorker\`) with
SQLite-backed Durable Object storage persisted to a temporary directory. A bench Worker
(\`bench/fixtures/ledger-worker.ts\`) receives one request per round and makes ${entries.toLocaleString("en")}
concurrent \`append\` RPCs to one tenant's ledger (one entry each, as the pipeline appends; or ${entries / 10} RPCs of
10 entries); the time is taken in Node around that request, so it includes the RPC round trips, input validation,
canonical JSON, SHA-256, the SQLite inserts and the storage commit. Median of ${rounds} rounds after a warm-up; the
ledger grows across rounds. \`verify\` re-reads and rehashes the single-entry tenant's whole ledger in pages.
Local workerd on this machine, not Cloudflare's edge: production adds durable storage replication per commit.`,
    };
  } finally {
    await worker.dispose();
    await rm(persist, { recursive: true, force: true });
  }
}

/**
 * The ledger's Merkle tree (docs/ledger.md#the-merkle-tree), through the real LedgerDO in workerd (wrangler's
 * programmatic dev server, bench/fixtures/ledger-tree-worker.ts): appends per second with the tree beside the same
 * object without it, in one run; inclusion and consistency proof times at a million entries; and a full offline
 * verification of 100,000 entries (every entry's hash and link, and the tree root a checkpoint signs).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unstable_startWorker } from "wrangler";
import { verifyChain, type LedgerEntry, type TreeHead } from "../src/ledger";
import { entryLeafHash, nodeHash, toBase64, type Hash } from "../src/ledger/merkle";
import { postToWorker } from "./fixtures/post-to-worker";
import { atLeast, atMost, percentile, type BenchOptions, type BenchReport } from "./types";

const TARGET_APPENDS_PER_S = 5000;
const TARGET_INCLUSION_MS = 1;
const TARGET_VERIFY_MS = 2000;
/** Entries per RPC of the figure beside: the same appends with the cost of a call into the object shared by 10. */
const BATCH = 10;

type Worker = Awaited<ReturnType<typeof unstable_startWorker>>;

/** Posts to the bench worker and returns its JSON answer with the wall time in ms, measured here in Node. */
async function timed<T>(worker: Worker, path: string): Promise<{ ms: number; body: T }> {
  const started = performance.now();
  const { ok, status, text } = await postToWorker(worker, path);
  const ms = performance.now() - started;
  if (!ok) throw new Error(`${path}: ${status} ${text.slice(0, 500)}`);
  return { ms, body: JSON.parse(text) as T };
}

/** Entries per second of `entries` appended as concurrent RPCs of `batch` entries each, with or without the tree. */
async function appendRate(worker: Worker, tree: boolean, tenant: string, entries: number, batch = 1): Promise<number> {
  const { ms, body } = await timed<{ entries: number }>(
    worker,
    `/append?tree=${tree ? 1 : 0}&tenant=${tenant}&calls=${entries / batch}&batch=${batch}`,
  );
  if (body.entries !== entries) throw new Error(`appended ${body.entries} of ${entries}`);
  return (entries / ms) * 1000;
}

/** ms per proof: the p50 over `rounds` of the mean of `count` proofs asked one RPC after another. */
async function proofMs(worker: Worker, kind: "inclusion" | "consistency", tenant: string, rounds: number) {
  const count = 100;
  const perProof: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const { ms } = await timed(worker, `/${kind}?tenant=${tenant}&count=${count}`);
    perProof.push(ms / count);
  }
  return percentile(perProof, 50);
}

/** The RFC 6962 root of these entries' leaves, folded left to right as an auditor's verifier does. */
function rootOf(entries: LedgerEntry[]): string {
  const right: Hash[] = [];
  for (const [i, entry] of entries.entries()) {
    let hash = entryLeafHash(entry.hash);
    for (let n = i; n % 2 === 1; n = Math.floor(n / 2)) hash = nodeHash(right.pop()!, hash);
    right.push(hash);
  }
  let root = right.pop()!;
  while (right.length > 0) root = nodeHash(right.pop()!, root);
  return toBase64(root);
}

export default async function ledgerTreeBench({ smoke, log }: BenchOptions): Promise<BenchReport> {
  const appends = smoke ? 1000 : 5000;
  const rounds = smoke ? 2 : 5;
  const big = smoke ? 20_000 : 1_000_000;
  const verified = smoke ? 10_000 : 100_000;
  const persist = await mkdtemp(join(tmpdir(), "policy-os-ledger-tree-bench-"));
  // Miniflare otherwise downloads Request.cf data from workers.cloudflare.com; the bench needs no network.
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
  const worker = await unstable_startWorker({
    config: "bench/fixtures/ledger-tree-wrangler.toml",
    build: { nodejsCompatMode: "v2" },
    dev: { persist, watch: false, inspector: false, logLevel: "warn", server: { hostname: "127.0.0.1", port: 0 } },
  });
  try {
    await worker.ready;
    for (const tree of [true, false]) await appendRate(worker, tree, "warmup", 200);

    log(`${rounds} rounds of ${appends} concurrent single-entry appends, with the tree and without, alternating`);
    log(`  and of the same entries with the tree, ${BATCH} per RPC`);
    const withTree: number[] = [];
    const withoutTree: number[] = [];
    const batched: number[] = [];
    for (let i = 0; i < rounds; i++) {
      withTree.push(await appendRate(worker, true, "tree", appends));
      withoutTree.push(await appendRate(worker, false, "plain", appends));
      batched.push(await appendRate(worker, true, "batched", appends, BATCH));
    }
    const [tree, plain, perBatch] = [percentile(withTree, 50), percentile(withoutTree, 50), percentile(batched, 50)];

    // The ledger that kept no tree builds it on its first tree read: the backfill an existing ledger pays once.
    const lagging = appends * rounds;
    const backfill = await timed<TreeHead>(worker, `/head?tree=0&tenant=plain`);
    if (backfill.body.tree_size !== lagging) throw new Error(`backfilled ${backfill.body.tree_size} of ${lagging}`);

    log(`filling one ledger to ${big.toLocaleString("en")} entries, 1,000 per append`);
    const step = 50_000;
    for (let done = 0; done < big; done += step) {
      await timed(worker, `/fill?tenant=million&entries=${Math.min(step, big - done)}&batch=1000`);
      if ((done + step) % 200_000 === 0) log(`  ${(done + step).toLocaleString("en")} entries`);
    }
    await timed(worker, `/inclusion?tenant=million&count=10`);
    log(`${rounds * 4} rounds of 100 inclusion proofs, then of 100 consistency proofs, at ${big.toLocaleString("en")}`);
    const inclusion = await proofMs(worker, "inclusion", "million", rounds * 4);
    const consistency = await proofMs(worker, "consistency", "million", rounds * 4);

    log(`appending ${verified.toLocaleString("en")} decision entries, downloading and verifying them`);
    for (let done = 0; done < verified; done += 10_000)
      await timed(worker, `/append?tree=1&tenant=verify&calls=10&batch=1000`);
    const entries: LedgerEntry[] = [];
    while (entries.length < verified)
      entries.push(...(await timed<LedgerEntry[]>(worker, `/list?tenant=verify&after=${entries.length}`)).body);
    const head = (await timed<TreeHead>(worker, `/head?tenant=verify&size=${verified}`)).body;
    const started = performance.now();
    const chain = verifyChain(entries);
    const root = rootOf(entries);
    const verifyMs = performance.now() - started;
    if (!chain.ok || root !== head.root_hash) throw new Error("the benchmark's ledger failed verification");

    return {
      title: "Ledger Merkle tree (LedgerDO in workerd)",
      results: [
        { name: "ledger_tree.appends_per_s.with_tree", unit: "entries/s", value: Math.round(tree) },
        { name: "ledger_tree.appends_per_s.without_tree", unit: "entries/s", value: Math.round(plain) },
        { name: "ledger_tree.appends_per_s.with_tree.batch10", unit: "entries/s", value: Math.round(perBatch) },
        {
          name: "ledger_tree.backfill_entries_per_s",
          unit: "entries/s",
          value: Math.round((lagging / backfill.ms) * 1000),
        },
        { name: "ledger_tree.inclusion_proof_ms_p50", unit: "ms", value: Number(inclusion.toFixed(3)) },
        { name: "ledger_tree.consistency_proof_ms_p50", unit: "ms", value: Number(consistency.toFixed(3)) },
        { name: "ledger_tree.full_verify_ms", unit: "ms", value: Math.round(verifyMs) },
      ],
      notes: [
        {
          name: "ledger_tree.appends_per_s.with_tree",
          target: atLeast(TARGET_APPENDS_PER_S, "entries/s"),
          summary: "ledger appends with the Merkle tree, one tenant, one entry per RPC, many calls at once",
          note: "one RPC per entry, one tenant; median of rounds",
        },
        { name: "ledger_tree.appends_per_s.without_tree", note: "the same object with its tree off, same rounds" },
        {
          name: "ledger_tree.appends_per_s.with_tree.batch10",
          note: `with the tree, ${BATCH} entries per RPC: the per-entry cost (chain, tree, storage) without most of the per-RPC cost`,
        },
        { name: "ledger_tree.backfill_entries_per_s", note: `building the tree of ${lagging} stored entries` },
        {
          name: "ledger_tree.inclusion_proof_ms_p50",
          target: atMost(TARGET_INCLUSION_MS, "ms"),
          summary: "inclusion proof at 1,000,000 entries, p50 (RPC included)",
          note: `at ${big.toLocaleString("en")} entries, RPC included; p50 of round means`,
        },
        { name: "ledger_tree.consistency_proof_ms_p50", note: `from a random size to ${big.toLocaleString("en")}` },
        {
          name: "ledger_tree.full_verify_ms",
          target: atMost(TARGET_VERIFY_MS, "ms"),
          summary: "full offline verification of 100,000 entries (every hash, every link, the tree root)",
          note: `${verified.toLocaleString("en")} entries: every hash and link, and the tree root`,
        },
      ],
      method: `
The real \`LedgerDO\` runs in workerd under wrangler's programmatic dev server (\`unstable_startWorker\`) with
SQLite-backed Durable Object storage persisted to a temporary directory, beside a subclass with its Merkle tree off
(\`bench/fixtures/ledger-tree-worker.ts\`). Appends: ${rounds} rounds of ${appends.toLocaleString("en")} concurrent
single-entry \`append\` RPCs of decision entries, alternating between the two objects; median entries/s of each.
Beside them, the same entries with the tree in ${appends / BATCH} concurrent RPCs of ${BATCH}: what an append costs once
the call into the object is shared. Concurrent RPCs to one object share one group commit (one transaction, multi-row
inserts of the entries and of the tree nodes they complete), so the single-entry figure is bound by the cost of each
call into the object (the caller's and the object's serialisation, the dispatch), which the caller's Worker shares this
machine's cores with here; in production callers run elsewhere.
The object without a tree then builds it on its first tree read (the backfill of a ledger from before the tree).
Proofs: one ledger filled to ${big.toLocaleString("en")} small entries (proof time does not depend on bodies); the
time of 100 proofs asked one RPC after another (random leaves; random earlier sizes to the whole tree), taken in
Node around the request, divided by 100: p50 of ${rounds * 4} rounds; it includes the worker-to-object RPC.
Verification: ${verified.toLocaleString("en")} decision entries downloaded, then, in Node, every entry's hash and
link recomputed (\`verifyChain\`) and the RFC 6962 root of their leaves folded and compared with the object's tree
head (what a signed checkpoint commits to; one Ed25519 signature check adds well under a millisecond).
Local workerd on this machine, not Cloudflare's edge.`,
    };
  } finally {
    await worker.dispose();
    await rm(persist, { recursive: true, force: true });
  }
}

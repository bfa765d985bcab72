/**
 * Governance overhead: one tools/call through the Worker to an upstream MCP server, against the same call made
 * directly to that server, both from this process on this machine. The Worker is the production bundle in workerd
 * (Miniflare, local D1 and Durable Objects); full runs also measure it under `wrangler dev`, as `npm start` serves it.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-expect-error plain ESM helper shared with `npm start`
import { startLocalWorker } from "../scripts/local-worker.mjs";
import { startBundledWorker } from "./fixtures/bundled-worker";
import { startPeerProxy } from "./fixtures/peer-proxy";
import { cpuMs, workerdPid } from "./fixtures/process-cpu";
import { startUpstream } from "./fixtures/upstream-server";
import { atLeast, atMost, percentile, type BenchOptions, type BenchReport, type BenchResult } from "./types";

/** The benchmark Worker's admin token. */
export const ADMIN = "bench-admin-token";
/** The headers of every MCP POST the benchmark sends. */
export const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const CONCURRENCY = 16;
/** Where the benchmark's bundled Worker listens. */
const WORKER_PORT = 18792;
/** The callers at once that one tenant's ceiling is sought at. */
const RAMP = [16, 32, 64];

/** A path a user's call can take through the Worker, and the upstream tool that does the same work directly. */
interface Path {
  /** The figures' infix: `overhead.<label>.p50`; empty for the unguarded read, whose names predate the others. */
  label: string;
  tool: string;
  args: Record<string, unknown>;
}

/** The unguarded read, a read under a cost cap (the budget book's reserve and settle), one under a content rule. */
const PATHS: Path[] = [
  { label: "", tool: "get_order", args: { order_id: "ord_42" } },
  { label: "cost_cap", tool: "quote_order", args: { order_id: "ord_42" } },
  { label: "content", tool: "annotate_order", args: { order_id: "ord_42", note: "customer asked for the invoice" } },
];

/** The benchmark's own rows beside the samples: a cap the calls never reach, and deny terms the note never holds. */
const GUARD_ROWS = [
  {
    Name: "Order quotes count against a daily cap (benchmark)",
    "Policy ID": "bench-quote-cap",
    Type: "cost",
    Mode: "block",
    Status: "Active",
    Tools: "orders.quote_order",
    Cap: 1_000_000_000,
    Unit: "calls",
    Window: "day",
    Per: "agent",
    Message: "Order quotes are capped per agent and day.",
  },
  {
    Name: "Order notes never mention wire transfers or gift cards (benchmark)",
    "Policy ID": "bench-note-terms",
    Type: "content",
    Mode: "block",
    Status: "Active",
    Tools: "orders.annotate_order",
    "Deny terms": "wire transfer, gift card, /ACCT-[0-9]{4,8}/",
    "Reason code": "scam_terms",
    Message: "Order notes may not mention wire transfers or gift cards.",
  },
];

/** The admin API of the Worker at `url`, as the benchmark's operator. */
export function adminOf(url: string) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };
}

/**
 * Makes a benchmark tenant (`bench` unless named) on the Worker at `url`: the demo hosts, the upstream as host
 * `orders`, the sample policies plus the benchmark's guard rows, and one agent, whose key it returns.
 */
export async function setUpBenchTenant(url: string, upstreamUrl: string, tenant = "bench") {
  const admin = adminOf(url);
  await admin("POST", "/tenants", { id: tenant, name: `Benchmark tenant ${tenant}`, demo_hosts: true });
  await admin("POST", `/hosts?tenant=${tenant}`, { id: "orders", url: upstreamUrl });
  const samples = JSON.parse(await readFile("notion-templates/policies.json", "utf8")).sample_rows;
  await admin("PUT", `/policies?tenant=${tenant}`, { rows: [...samples, ...GUARD_ROWS] });
  const { api_key } = (await admin("POST", `/agents?tenant=${tenant}`, {
    name: "bench-agent",
    owner: "requester",
  })) as { api_key: string };
  return { admin, api_key };
}

/** One governed `orders.get_order` through the Worker's /mcp as a raw JSON-RPC POST; throws unless it succeeded. */
export async function governedGetOrder(url: string, api_key: string, id: number): Promise<Response> {
  const res = await fetch(`${url}/mcp`, {
    method: "POST",
    headers: { ...HEADERS, authorization: `Bearer ${api_key}` },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: { name: "orders.get_order", arguments: { order_id: "ord_42" } },
    }),
  });
  const json = (await res.json()) as any;
  if (json.result?.structuredContent?.outcome !== "succeeded") throw new Error(JSON.stringify(json));
  return res;
}

/** Times `n` calls of `fn` one after another: each call's milliseconds. */
export async function timeEach(fn: () => Promise<void>, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

/** Calls per second when `total` calls of `fn` are made by `callers` callers at once (16 unless said). */
export async function throughput(fn: () => Promise<void>, total: number, callers = CONCURRENCY): Promise<number> {
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next++ < total) await fn();
    }),
  );
  return total / ((performance.now() - t) / 1000);
}

interface Measurement {
  /** Per path label: the gateway's and the direct call's samples (ms). */
  paths: Map<string, { gatewayMs: number[]; directMs: number[] }>;
  hopMs: number[];
  gatewayRate: number;
  directRate: number;
  /** The pass-through peer on the unguarded read, when one was given. */
  peer?: { ms: number[]; rate: number };
}

/**
 * Sets up a tenant on the Worker at `url` that federates the upstream, then times calls both ways on each path, and
 * through the pass-through peer at `peerUrl` (when given) on the unguarded read, in the same blocks.
 */
async function measure(
  url: string,
  upstreamUrl: string,
  paths: Path[],
  sequential: number,
  concurrentTotal: number,
  log: (l: string) => void,
  peerUrl?: string,
): Promise<Measurement> {
  const { admin, api_key } = await setUpBenchTenant(url, upstreamUrl);

  let id = 0;
  const body = (name: string, args: Record<string, unknown>) =>
    JSON.stringify({ jsonrpc: "2.0", id: ++id, method: "tools/call", params: { name, arguments: args } });
  const plain = (to: string, label: string) => (path: Path) => async () => {
    const res = await fetch(to, { method: "POST", headers: HEADERS, body: body(path.tool, path.args) });
    const json = (await res.json()) as any;
    if (json.result?.structuredContent?.status !== "shipped")
      throw new Error(`${label} call failed: ${JSON.stringify(json)}`);
  };
  const direct = plain(upstreamUrl, "direct");
  const peer = peerUrl ? plain(peerUrl, "peer") : null;
  const call = async (tool: string, args: Record<string, unknown>) => {
    const res = await fetch(`${url}/mcp`, {
      method: "POST",
      headers: { ...HEADERS, authorization: `Bearer ${api_key}` },
      body: body(`orders.${tool}`, args),
    });
    const json = (await res.json()) as any;
    return json.result?.structuredContent ?? json;
  };
  const gateway = (path: Path) => async () => {
    const outcome = await call(path.tool, path.args);
    if (outcome.outcome !== "succeeded") throw new Error(`gateway call failed: ${JSON.stringify(outcome)}`);
  };
  // The route that does nothing: the runtime's own floor for a request into this Worker.
  const hop = async () => {
    const res = await fetch(`${url}/health`);
    if (!res.ok) throw new Error(`GET /health: ${res.status}`);
    await res.arrayBuffer();
  };

  log("warming up…");
  await timeEach(hop, 30);
  if (peer) await timeEach(peer(paths[0]!), 30);
  for (const path of paths) {
    await timeEach(direct(path), 30);
    await timeEach(gateway(path), 30);
  }
  await assertGuarded(paths, admin, call);
  log(`timing ${sequential} sequential calls each way on ${paths.length} path(s) and ${sequential} hops, in blocks…`);
  const measured = new Map(paths.map((p) => [p.label, { gatewayMs: [] as number[], directMs: [] as number[] }]));
  const hopMs: number[] = [];
  const peerMs: number[] = [];
  for (let block = 0; block < 10; block++) {
    hopMs.push(...(await timeEach(hop, sequential / 10)));
    if (peer) peerMs.push(...(await timeEach(peer(paths[0]!), sequential / 10)));
    for (const path of paths) {
      const into = measured.get(path.label)!;
      into.directMs.push(...(await timeEach(direct(path), sequential / 10)));
      into.gatewayMs.push(...(await timeEach(gateway(path), sequential / 10)));
    }
  }
  log(`timing throughput with ${CONCURRENCY} concurrent callers (unguarded read)…`);
  const directRate = await throughput(direct(paths[0]!), concurrentTotal);
  const gatewayRate = await throughput(gateway(paths[0]!), concurrentTotal);
  const peerRate = peer ? await throughput(peer(paths[0]!), concurrentTotal) : NaN;
  return {
    paths: measured,
    hopMs,
    gatewayRate,
    directRate,
    ...(peer ? { peer: { ms: peerMs, rate: peerRate } } : {}),
  };
}

/** One tenant's ceiling, and two tenants side by side (the unguarded read). */
interface TenantCeiling {
  /** One tenant's calls/s at each number of callers in RAMP. */
  ramp: number[];
  /** The callers at once that gave the most. */
  best: number;
  /** The CPU workerd used per call in that run (ms), every isolate and Durable Object of the process included. */
  cpuPerCall: number;
  /** Two tenants at once, each with `best` callers: each one's calls/s, and both together. */
  pair: { a: number; b: number; together: number };
}

/**
 * Seeks the most calls/s one tenant gets through the Worker at `url` (workerd on `port`) by raising the callers at
 * once, then runs two tenants side by side with that many callers each. Each tenant has its own ledger, budget and
 * host-health Durable Objects, so what two get beyond one is what the per-tenant objects were holding back.
 */
async function tenantCeiling(
  url: string,
  port: number,
  upstreamUrl: string,
  total: number,
  log: (l: string) => void,
): Promise<TenantCeiling> {
  const a = await setUpBenchTenant(url, upstreamUrl, "ceiling-a");
  const b = await setUpBenchTenant(url, upstreamUrl, "ceiling-b");
  let id = 1_000_000;
  const read = (api_key: string) => async () => void (await governedGetOrder(url, api_key, ++id));
  await timeEach(read(a.api_key), 30);
  await timeEach(read(b.api_key), 30);
  const pid = await workerdPid(port);
  log(`seeking one tenant's ceiling: ${total} calls with ${RAMP.join(", ")} callers at once…`);
  const ramp: number[] = [];
  const cpu: number[] = [];
  for (const callers of RAMP) {
    const before = await cpuMs(pid);
    ramp.push(await throughput(read(a.api_key), total, callers));
    cpu.push((await cpuMs(pid)) - before);
  }
  const top = ramp.indexOf(Math.max(...ramp));
  const best = RAMP[top]!;
  log(`two tenants side by side, ${best} callers each…`);
  const [rateA, rateB] = await Promise.all([
    throughput(read(a.api_key), total, best),
    throughput(read(b.api_key), total, best),
  ]);
  // Both ran `total` calls: together, 2 × total in the time the slower one took.
  const together = 2 * Math.min(rateA!, rateB!);
  return { ramp, best, cpuPerCall: cpu[top]! / total, pair: { a: rateA!, b: rateB!, together } };
}

/**
 * Checks that the guarded paths really pass their guard, so a row that no longer applies cannot turn a guarded
 * figure into an unguarded one: the cost cap's reservation is in the call's decision entry, and the content rule
 * denies the same call when its note holds a deny term.
 */
async function assertGuarded(
  paths: Path[],
  admin: (method: string, path: string) => Promise<any>,
  call: (tool: string, args: Record<string, unknown>) => Promise<any>,
) {
  const capped = paths.find((p) => p.label === "cost_cap");
  if (capped) {
    const { entries } = (await admin("GET", "/ledger?tenant=bench&limit=1000")) as { entries: any[] };
    const decision = entries.find((e) => e.kind === "decision" && e.body?.tool === `orders.${capped.tool}`);
    if (!(decision?.body?.budget?.length > 0))
      throw new Error(`orders.${capped.tool} was not reserved against its cap: ${JSON.stringify(decision)}`);
  }
  const screened = paths.find((p) => p.label === "content");
  if (screened) {
    const flagged = await call(screened.tool, { ...screened.args, note: "pay by gift card" });
    if (flagged.outcome !== "denied")
      throw new Error(`orders.${screened.tool} was not screened by its content rule: ${JSON.stringify(flagged)}`);
  }
}

const round = (n: number, digits = 3) => Number(n.toFixed(digits));

/** `name` with the path's label after its first part: `overhead.p50` → `overhead.cost_cap.p50`. */
const named = (name: string, label: string) => (label ? name.replace(/^([a-z]+)\./, `$1.${label}.`) : name);

export default async function overhead({ smoke, log }: BenchOptions): Promise<BenchReport> {
  const sequential = smoke ? 60 : 2000;
  const concurrentTotal = smoke ? 100 : 3000;
  const upstream = await startUpstream(18790);
  const results: BenchResult[] = [];
  // Set by the run below, which throws before the report is built when it cannot measure.
  let ceiling!: TenantCeiling;
  try {
    log("bundling the Worker and starting it in workerd (Miniflare), and the pass-through peer in Node…");
    const worker = await startBundledWorker({ port: WORKER_PORT, vars: { ADMIN_TOKEN: ADMIN } });
    const peer = await startPeerProxy(18793, upstream.url);
    let workerd: Measurement;
    try {
      workerd = await measure(worker.url, upstream.url, PATHS, sequential, concurrentTotal, log, peer.url);
      ceiling = await tenantCeiling(worker.url, WORKER_PORT, upstream.url, concurrentTotal, log);
    } finally {
      await worker.stop();
      await peer.close();
    }
    const hop = percentile(workerd.hopMs, 50);
    for (const { label } of PATHS) {
      const { gatewayMs, directMs } = workerd.paths.get(label)!;
      results.push(
        {
          name: named("overhead.p50", label),
          unit: "ms",
          value: round(percentile(gatewayMs, 50) - percentile(directMs, 50)),
        },
        {
          name: named("overhead.p99", label),
          unit: "ms",
          value: round(percentile(gatewayMs, 99) - percentile(directMs, 99)),
        },
        { name: named("gateway.p50", label), unit: "ms", value: round(percentile(gatewayMs, 50)) },
        { name: named("direct.p50", label), unit: "ms", value: round(percentile(directMs, 50)) },
      );
    }
    const overheadP50 = results.find((r) => r.name === "overhead.p50")!.value;
    const directP50 = percentile(workerd.paths.get("")!.directMs, 50);
    const directP99 = percentile(workerd.paths.get("")!.directMs, 99);
    const gatewayP99 = percentile(workerd.paths.get("")!.gatewayMs, 99);
    const peerOverhead = percentile(workerd.peer!.ms, 50) - directP50;
    results.push(
      { name: "hop.p50", unit: "ms", value: round(hop) },
      { name: "overhead.beyond_hop.p50", unit: "ms", value: round(overheadP50 - hop) },
      { name: "overhead.beyond_hop.p99", unit: "ms", value: round(gatewayP99 - directP99 - hop) },
      { name: "gateway.calls_per_s", unit: "calls/s", value: round(workerd.gatewayRate, 0) },
      { name: "direct.calls_per_s", unit: "calls/s", value: round(workerd.directRate, 0) },
      { name: "gateway.direct_rate_ratio", unit: "x", value: round(workerd.gatewayRate / workerd.directRate) },
      { name: "peer.overhead.p50", unit: "ms", value: round(peerOverhead) },
      { name: "peer.calls_per_s", unit: "calls/s", value: round(workerd.peer!.rate, 0) },
      { name: "overhead.peer_ratio", unit: "x", value: round(overheadP50 / peerOverhead) },
      { name: "tenant.max_calls_per_s", unit: "calls/s", value: round(Math.max(...ceiling.ramp), 0) },
      { name: "tenant.workerd_cpu_ms_per_call", unit: "ms", value: round(ceiling.cpuPerCall) },
      { name: "tenant.pair.a.calls_per_s", unit: "calls/s", value: round(ceiling.pair.a, 0) },
      { name: "tenant.pair.b.calls_per_s", unit: "calls/s", value: round(ceiling.pair.b, 0) },
      { name: "tenant.pair.together_calls_per_s", unit: "calls/s", value: round(ceiling.pair.together, 0) },
    );
    if (!smoke) {
      log("again under wrangler dev, as npm start serves it (unguarded read only)…");
      const dir = await mkdtemp(join(tmpdir(), "policy-os-bench-"));
      const dev = await startLocalWorker({
        port: 18791,
        persistTo: dir,
        quiet: true,
        vars: { ADMIN_TOKEN: ADMIN },
        onLog: log,
      });
      try {
        const m = await measure(dev.url, upstream.url, PATHS.slice(0, 1), 500, 500, log);
        const { gatewayMs, directMs } = m.paths.get("")!;
        results.push({
          name: "overhead.wrangler_dev.p50",
          unit: "ms",
          value: round(percentile(gatewayMs, 50) - percentile(directMs, 50)),
        });
      } finally {
        await dev.stop();
        await rm(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await upstream.close();
  }
  return {
    title: "Governance overhead per call (through the Worker vs. direct)",
    results,
    notes: [
      {
        name: "overhead.p50",
        target: atMost(1, "ms"),
        summary: "governance overhead per call, unguarded read (gateway p50 − direct p50)",
      },
      {
        name: "overhead.p99",
        note: "gateway p99 minus direct p99",
        summary: "governance overhead per call, unguarded read, p99",
      },
      {
        name: "overhead.cost_cap.p50",
        note: "a read under a cost cap: the budget book's reserve before the host and settle after",
        summary: "governance overhead per call under a cost cap",
      },
      { name: "overhead.cost_cap.p99", summary: "governance overhead per call under a cost cap, p99" },
      {
        name: "overhead.content.p50",
        note: "a read under a content rule: its deny terms screened in the arguments",
        summary: "governance overhead per call under a content rule",
      },
      { name: "overhead.content.p99", summary: "governance overhead per call under a content rule, p99" },
      {
        name: "hop.p50",
        note: "GET /health: a round trip into the same Worker on a route that does nothing, timed beside the calls",
        summary: "bare round trip into the Worker (the runtime's floor here)",
      },
      {
        name: "overhead.beyond_hop.p50",
        target: atMost(1, "ms"),
        note: "overhead.p50 minus hop.p50: what governance adds beyond the request's own hop into workerd",
        summary: "governance overhead beyond the hop, unguarded read",
      },
      {
        name: "gateway.calls_per_s",
        note: `${CONCURRENCY} concurrent callers, unguarded read`,
        summary: "calls/s through the Worker, 16 concurrent callers",
      },
      { name: "direct.calls_per_s", summary: "calls/s directly to the upstream, 16 concurrent callers" },
      {
        name: "overhead.beyond_hop.p99",
        target: atMost(3, "ms"),
        note: "gateway p99 minus direct p99, minus hop.p50",
        summary: "governance overhead beyond the hop, unguarded read, p99",
      },
      {
        name: "gateway.direct_rate_ratio",
        target: atLeast(0.8, "×"),
        note: `gateway.calls_per_s ÷ direct.calls_per_s, ${CONCURRENCY} concurrent callers`,
        summary: "share of the upstream's own rate the gateway sustains",
      },
      {
        name: "peer.overhead.p50",
        note: "a plain pass-through proxy on the official MCP SDK in Node (no governance): its p50 minus direct p50",
        summary: "an ungoverned SDK proxy's overhead per call (the peer)",
      },
      { name: "peer.calls_per_s", summary: "calls/s through the ungoverned peer proxy, 16 concurrent callers" },
      {
        name: "overhead.peer_ratio",
        target: atMost(1, "×"),
        note: "overhead.p50 ÷ peer.overhead.p50: what governance costs against an ungoverned proxy",
        summary: "our overhead as a multiple of the ungoverned peer's",
      },
      {
        name: "tenant.max_calls_per_s",
        note: `one tenant, the most of ${RAMP.map((callers, i) => `${round(ceiling.ramp[i]!, 0)} (${callers} callers)`).join(", ")}`,
        summary: "the most calls/s one tenant sustains through the Worker here",
      },
      {
        name: "tenant.workerd_cpu_ms_per_call",
        note: `CPU the workerd process spent per call in that run (${ceiling.best} callers): every isolate, Durable Object and local D1 of the process`,
        summary: "workerd CPU per governed call at one tenant's ceiling",
      },
      {
        name: "tenant.pair.together_calls_per_s",
        note: `two tenants at once, ${ceiling.best} callers each: ${round(ceiling.pair.a, 0)} + ${round(ceiling.pair.b, 0)} calls/s`,
        summary: "calls/s of two tenants side by side, together",
      },
      {
        name: "overhead.wrangler_dev.p50",
        note: "the same, under `wrangler dev` (its local proxy adds ~4 ms per request)",
      },
    ],
    method: `A real MCP server (the SDK's McpServer, stateless Streamable HTTP, JSON responses) runs in Node on
127.0.0.1. The Worker is the production bundle (\`wrangler deploy --dry-run\`) running in workerd through Miniflare,
on a socket of its own as Cloudflare hands a Worker its requests (not behind Miniflare's entry worker, nor with
outgoing fetches through its \`strip-cf-connecting-ip\` worker: JavaScript hops only local tooling adds), with local
D1 and Durable Objects, the sample policies, and the upstream registered as host \`orders\`. Each sample
is one \`tools/call\` JSON-RPC POST made with Node's fetch: directly to the upstream, and to the Worker's \`/mcp\` with
an agent key. Through the Worker a call authenticates the key (a D1 read, reused by the isolate for 5 s),
validates the arguments, decides, appends the decision to the tenant's ledger Durable Object, forwards the call,
appends the outcome, answers, and then writes the audit row (D1, after the response, in a batch shared with
other calls): two Durable Object round trips
on the path that the direct call does not make. Three paths are timed, each against the same work done directly
(the upstream serves the same lookup under three names): the unguarded read \`orders.get_order\` (\`overhead.p50\`,
the figure's name since it was first measured), \`orders.quote_order\` under a cost cap the calls never reach
(\`overhead.cost_cap.*\`: the call reserves against the cap in the tenant's budget book, a third Durable Object,
before the host runs, and settles after), and \`orders.annotate_order\` under a content rule whose deny terms its note
never holds (\`overhead.content.*\`: the arguments are screened). Before timing, the benchmark checks that the capped
call's decision entry carries its reservation and that the content rule denies the same call with a deny term in its
note, so neither guard can silently fall off its path. \`hop.p50\` is \`GET /health\`, a route that does nothing,
timed in the same blocks: the runtime's own floor for a request into this Worker here. ${sequential} sequential
samples of each, interleaved in 10 blocks. The peer (\`peer.*\`) is a plain pass-through proxy on the official MCP
SDK in Node (bench/fixtures/peer-proxy.ts: a stateless server per request facing the caller, one client connected to
the upstream, no authentication, policy or ledger), timed on the unguarded read in the same blocks and for throughput
the same way. Throughput (unguarded read) with ${CONCURRENCY} concurrent callers,
${concurrentTotal} calls each way. Overhead = gateway minus direct at the same percentile. Full runs repeat the
unguarded measurement under \`wrangler dev\` (500 samples), whose local proxy adds about 4 ms to every request.
The tenant ceiling (\`tenant.*\`) uses two fresh tenants set up like the first: one tenant's unguarded reads,
${concurrentTotal} calls with ${RAMP.join(", ")} callers at once in turn, each run's workerd CPU read from /proc (every
isolate, Durable Object and the local D1 of the process); the most calls/s is \`tenant.max_calls_per_s\`. Then both
tenants at once, each with the callers that gave the most; together is both tenants' calls over the time the slower
one took. Everything runs in one workerd process on this 2-core machine beside the load generator and the upstream,
so the ceiling is this machine's, and two tenants share it: BENCHMARKS.md's analysis says what a tenant beyond it
would need on Cloudflare.`,
  };
}

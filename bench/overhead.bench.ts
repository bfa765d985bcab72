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
import { startUpstream } from "./fixtures/upstream-server";
import { percentile, type BenchOptions, type BenchReport, type BenchResult } from "./types";

const ADMIN = "bench-admin-token";
const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const CONCURRENCY = 16;

interface Measurement {
  gatewayMs: number[];
  directMs: number[];
  gatewayRate: number;
  directRate: number;
}

/** Sets up a tenant on the Worker at `url` that federates the upstream, then times calls both ways. */
async function measure(
  url: string,
  upstreamUrl: string,
  sequential: number,
  concurrentTotal: number,
  log: (l: string) => void,
): Promise<Measurement> {
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };
  await admin("POST", "/tenants", { id: "bench", name: "Benchmark tenant", demo_hosts: true });
  const samples = JSON.parse(await readFile("notion-templates/policies.json", "utf8")).sample_rows;
  await admin("PUT", "/policies?tenant=bench", { rows: samples });
  const { api_key } = await admin("POST", "/agents?tenant=bench", { name: "bench-agent", owner: "requester" });
  await admin("POST", "/hosts?tenant=bench", { id: "orders", url: upstreamUrl });

  let id = 0;
  const body = (name: string) =>
    JSON.stringify({
      jsonrpc: "2.0",
      id: ++id,
      method: "tools/call",
      params: { name, arguments: { order_id: "ord_42" } },
    });
  const direct = async () => {
    const res = await fetch(upstreamUrl, { method: "POST", headers: HEADERS, body: body("get_order") });
    const json = (await res.json()) as any;
    if (json.result?.structuredContent?.status !== "shipped")
      throw new Error(`direct call failed: ${JSON.stringify(json)}`);
  };
  const gateway = async () => {
    const res = await fetch(`${url}/mcp`, {
      method: "POST",
      headers: { ...HEADERS, authorization: `Bearer ${api_key}` },
      body: body("orders.get_order"),
    });
    const json = (await res.json()) as any;
    if (json.result?.structuredContent?.outcome !== "succeeded")
      throw new Error(`gateway call failed: ${JSON.stringify(json)}`);
  };
  const timeEach = async (fn: () => Promise<void>, n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await fn();
      out.push(performance.now() - t);
    }
    return out;
  };
  const throughput = async (fn: () => Promise<void>, total: number) => {
    let next = 0;
    const t = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < total) await fn();
      }),
    );
    return total / ((performance.now() - t) / 1000);
  };

  log("warming up…");
  await timeEach(direct, 30);
  await timeEach(gateway, 30);
  log(`timing ${sequential} sequential calls each way, interleaved in blocks…`);
  const directMs: number[] = [];
  const gatewayMs: number[] = [];
  for (let block = 0; block < 10; block++) {
    directMs.push(...(await timeEach(direct, sequential / 10)));
    gatewayMs.push(...(await timeEach(gateway, sequential / 10)));
  }
  log(`timing throughput with ${CONCURRENCY} concurrent callers…`);
  const directRate = await throughput(direct, concurrentTotal);
  const gatewayRate = await throughput(gateway, concurrentTotal);
  return { gatewayMs, directMs, gatewayRate, directRate };
}

const round = (n: number, digits = 3) => Number(n.toFixed(digits));

export default async function overhead({ smoke, log }: BenchOptions): Promise<BenchReport> {
  const sequential = smoke ? 60 : 2000;
  const concurrentTotal = smoke ? 100 : 3000;
  const upstream = await startUpstream(18790);
  const results: BenchResult[] = [];
  let workerd: Measurement;
  try {
    log("bundling the Worker and starting it in workerd (Miniflare)…");
    const worker = await startBundledWorker({ port: 18792, vars: { ADMIN_TOKEN: ADMIN } });
    try {
      workerd = await measure(worker.url, upstream.url, sequential, concurrentTotal, log);
    } finally {
      await worker.stop();
    }
    const p50 = percentile(workerd.gatewayMs, 50) - percentile(workerd.directMs, 50);
    const p99 = percentile(workerd.gatewayMs, 99) - percentile(workerd.directMs, 99);
    results.push(
      { name: "overhead.p50", unit: "ms", value: round(p50) },
      { name: "overhead.p99", unit: "ms", value: round(p99) },
      { name: "gateway.p50", unit: "ms", value: round(percentile(workerd.gatewayMs, 50)) },
      { name: "direct.p50", unit: "ms", value: round(percentile(workerd.directMs, 50)) },
      { name: "gateway.calls_per_s", unit: "calls/s", value: round(workerd.gatewayRate, 0) },
      { name: "direct.calls_per_s", unit: "calls/s", value: round(workerd.directRate, 0) },
    );
    if (!smoke) {
      log("again under wrangler dev, as npm start serves it…");
      const dir = await mkdtemp(join(tmpdir(), "policy-os-bench-"));
      const dev = await startLocalWorker({
        port: 18791,
        persistTo: dir,
        quiet: true,
        vars: { ADMIN_TOKEN: ADMIN },
        onLog: log,
      });
      try {
        const m = await measure(dev.url, upstream.url, 500, 500, log);
        results.push({
          name: "overhead.wrangler_dev.p50",
          unit: "ms",
          value: round(percentile(m.gatewayMs, 50) - percentile(m.directMs, 50)),
        });
      } finally {
        await dev.stop();
        await rm(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await upstream.close();
  }
  const p50 = results.find((r) => r.name === "overhead.p50")!.value;
  return {
    title: "Governance overhead per call (through the Worker vs. direct)",
    results,
    notes: [
      { name: "overhead.p50", target: "≤ 1 ms", met: p50 <= 1 },
      { name: "overhead.p99", note: "gateway p99 minus direct p99" },
      { name: "gateway.calls_per_s", note: `${CONCURRENCY} concurrent callers` },
      {
        name: "overhead.wrangler_dev.p50",
        note: "the same, under `wrangler dev` (its local proxy adds ~4 ms per request)",
      },
    ],
    method: `A real MCP server (the SDK's McpServer, stateless Streamable HTTP, JSON responses) runs in Node on
127.0.0.1. The Worker is the production bundle (\`wrangler deploy --dry-run\`) running in workerd through Miniflare,
with local D1 and Durable Objects, the sample policies, and the upstream registered as host \`orders\`. Each sample
is one \`tools/call\` JSON-RPC POST made with Node's fetch: directly to the upstream, and to the Worker's \`/mcp\` with
an agent key. Through the Worker a call authenticates the key (a D1 read, reused by the isolate for 5 s),
validates the arguments, decides, appends the decision to the tenant's ledger Durable Object, forwards the call,
appends the outcome, answers, and then writes the audit row (D1, after the response): two Durable Object round trips
on the path that the direct call does not make. ${sequential} sequential
samples each way, interleaved in 10 blocks; throughput with ${CONCURRENCY} concurrent callers, ${concurrentTotal} calls
each way. Overhead = gateway minus direct at the same percentile. Full runs repeat the measurement under
\`wrangler dev\` (500 samples), whose local proxy adds about 4 ms to every request.`,
  };
}

/**
 * Governance overhead: one tools/call through the Worker (wrangler dev, local D1 and Durable Objects) to an upstream
 * MCP server, against the same call made directly to that server, both from this process on this machine.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-expect-error plain ESM helper shared with `npm start`
import { startLocalWorker } from "../scripts/local-worker.mjs";
import { startUpstream } from "./fixtures/upstream-server";
import { percentile, type BenchOptions, type BenchReport } from "./types";

const ADMIN = "bench-admin-token";
const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

export default async function overhead({ smoke, log }: BenchOptions): Promise<BenchReport> {
  const sequential = smoke ? 60 : 2000;
  const concurrentTotal = smoke ? 100 : 3000;
  const concurrency = 16;
  const dir = await mkdtemp(join(tmpdir(), "policy-os-bench-"));
  const upstream = await startUpstream(18790);
  const worker = await startLocalWorker({ port: 18791, persistTo: dir, quiet: true, vars: { ADMIN_TOKEN: ADMIN }, onLog: log });
  try {
    const admin = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${worker.url}/admin${path}`, {
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
    await admin("POST", "/hosts?tenant=bench", { id: "orders", url: upstream.url });

    let id = 0;
    const body = (name: string) =>
      JSON.stringify({ jsonrpc: "2.0", id: ++id, method: "tools/call", params: { name, arguments: { order_id: "ord_42" } } });
    const direct = async () => {
      const res = await fetch(upstream.url, { method: "POST", headers: HEADERS, body: body("get_order") });
      const json = (await res.json()) as any;
      if (json.result?.structuredContent?.status !== "shipped") throw new Error(`direct call failed: ${JSON.stringify(json)}`);
    };
    const gateway = async () => {
      const res = await fetch(`${worker.url}/mcp`, {
        method: "POST",
        headers: { ...HEADERS, authorization: `Bearer ${api_key}` },
        body: body("orders.get_order"),
      });
      const json = (await res.json()) as any;
      if (json.result?.structuredContent?.outcome !== "succeeded") throw new Error(`gateway call failed: ${JSON.stringify(json)}`);
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
        Array.from({ length: concurrency }, async () => {
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
    log(`timing throughput with ${concurrency} concurrent callers…`);
    const directRate = await throughput(direct, concurrentTotal);
    const gatewayRate = await throughput(gateway, concurrentTotal);

    const round = (n: number, digits = 3) => Number(n.toFixed(digits));
    const p50 = percentile(gatewayMs, 50) - percentile(directMs, 50);
    const p99 = percentile(gatewayMs, 99) - percentile(directMs, 99);
    return {
      title: "Governance overhead per call (through the Worker vs. direct)",
      results: [
        { name: "overhead.p50", unit: "ms", value: round(p50) },
        { name: "overhead.p99", unit: "ms", value: round(p99) },
        { name: "gateway.p50", unit: "ms", value: round(percentile(gatewayMs, 50)) },
        { name: "direct.p50", unit: "ms", value: round(percentile(directMs, 50)) },
        { name: "gateway.calls_per_s", unit: "calls/s", value: round(gatewayRate, 0) },
        { name: "direct.calls_per_s", unit: "calls/s", value: round(directRate, 0) },
      ],
      notes: [
        { name: "overhead.p50", target: "≤ 1 ms", met: p50 <= 1 },
        { name: "overhead.p99", note: "gateway p99 minus direct p99" },
        { name: "gateway.calls_per_s", note: `${concurrency} concurrent callers` },
      ],
      method: `A real MCP server (the SDK's McpServer, stateless Streamable HTTP, JSON responses) runs in Node on
127.0.0.1. The Worker runs under \`wrangler dev\` exactly as \`npm start\` runs it (local D1 and Durable Objects, the
sample policies, the upstream registered as host \`orders\`). Each sample is one \`tools/call\` JSON-RPC POST made with
Node's fetch: directly to the upstream, and to the Worker's \`/mcp\` with an agent key, which authenticates the key
(D1), validates the arguments, decides, appends the decision to the ledger Durable Object, forwards the call, appends
the outcome and writes the audit row (D1). ${sequential} sequential samples each way, interleaved in 10 blocks;
throughput with ${concurrency} concurrent callers, ${concurrentTotal} calls each way. Overhead = gateway minus direct
at the same percentile.`,
    };
  } finally {
    await worker.stop();
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  }
}

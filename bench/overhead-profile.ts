/**
 * Where a governed call's time goes: runs the production bundle in workerd as the overhead benchmark does, samples
 * the Worker's CPU through workerd's V8 inspector while it serves sequential `tools/call`s of the unguarded read, and
 * prints the CPU per call by pipeline part (inclusive), the functions with the most self time, and the stages' I/O
 * waits from the calls' audit rows. Not a benchmark with targets: a tool for reading the overhead
 * (`npx tsx bench/overhead-profile.ts [calls]`). workerd's clocks move only on I/O, so in-Worker timers see waits,
 * never CPU; the sampler sees CPU.
 */
import { writeFile } from "node:fs/promises";
// @ts-expect-error ws (a dependency of wrangler) ships no types
import WebSocket from "ws";
import { startBundledWorker } from "./fixtures/bundled-worker";
import { startUpstream } from "./fixtures/upstream-server";
import { ADMIN, governedGetOrder, setUpBenchTenant } from "./overhead.bench";
import { percentile } from "./types";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Parts of a call, each named by the functions whose frames mark it (a sample counts once per part, inclusive).
 * Names are the bundle's (wrangler does not minify), so a renamed function drops out of its part, never into another.
 */
const PARTS: Record<string, string[]> = {
  "hono routing and middleware (all)": ["dispatch"],
  "agent auth": ["agentAuth"],
  "serveMcp (MCP layer + pipeline)": ["serveMcp"],
  "era detection": ["isModernMcpRequest", "isLegacyRequest"],
  "request shape check": ["requestShapeRefusal"],
  "new Server + handlers": ["Server", "registerFeatures", "setRequestHandler"],
  "transport handleRequest": ["handleRequest", "handlePostRequest"],
  "runToolCall (pipeline)": ["runToolCall"],
  "startCall (recordable)": ["startCall"],
  validate: ["validate"],
  "validate: inspectArguments": ["inspectArguments"],
  "validate: schema": ["validateArguments"],
  "hashOf (canonical + sha256)": ["hashOf"],
  "caller stage": ["caller"],
  "policy: decide": ["decide"],
  "guards stage": ["guards", "guardArguments"],
  "adapter stage": ["adapter"],
  "host call (upstream MCP client)": ["callHost"],
  "record stage": ["record"],
  "ledger DO append (in-process)": ["append", "appendEntries"],
  callToolResult: ["callToolResult"],
  "zod parsing": ["safeParse", "_parse", "parse"],
  "JSON.parse/stringify": ["parse", "stringify"],
  GC: ["(garbage collector)"],
};

async function inspectorTarget(port: number): Promise<string> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
    id: string;
    title: string;
    webSocketDebuggerUrl: string;
  }[];
  const worker = targets.find((t) => !t.title.includes("miniflare") && !t.id.includes("miniflare")) ?? targets[0];
  if (!worker) throw new Error("workerd's inspector lists no worker");
  return worker.webSocketDebuggerUrl;
}

function devtools(url: string) {
  const ws = new WebSocket(url);
  let next = 0;
  const waiting = new Map<number, (value: any) => void>();
  ws.on("message", (data: { toString(): string }) => {
    const message = JSON.parse(data.toString());
    if (message.id !== undefined) waiting.get(message.id)?.(message.result ?? message.error);
  });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return {
    opened,
    send: (method: string, params: Record<string, unknown> = {}) =>
      new Promise<any>((resolve) => {
        const id = ++next;
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** CPU ms per call by part (inclusive), and the top functions by self time. */
function summarize(profile: Profile, calls: number) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const parts = new Map<string, number>();
  // Async functions resume from the microtask queue with only their own frames on the stack: the outermost frame of
  // the Worker's bundle names the piece of work a sample belongs to, whatever it awaited before.
  const entries = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const leaf = byId.get(id)!;
    const name = leaf.callFrame.functionName || "(anonymous)";
    if (name === "(idle)" || name === "(program)") {
      idle += ms;
      return;
    }
    busy += ms;
    const at = `${name} ${leaf.callFrame.url.split("/").pop()}:${leaf.callFrame.lineNumber + 1}`;
    self.set(at, (self.get(at) ?? 0) + ms);
    const stack = new Set<string>();
    let entry = `(runtime) ${name}`;
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const frame = byId.get(n)!.callFrame;
      stack.add(frame.functionName);
      if (frame.url.endsWith("index.js")) entry = `${frame.functionName || "(anonymous)"} :${frame.lineNumber + 1}`;
    }
    entries.set(entry, (entries.get(entry) ?? 0) + ms);
    for (const [part, names] of Object.entries(PARTS))
      if (names.some((fn) => stack.has(fn))) parts.set(part, (parts.get(part) ?? 0) + ms);
  });
  const perCall = (ms: number) => (ms / calls).toFixed(3);
  console.log(`\nCPU per call: ${perCall(busy)} ms busy (idle ${perCall(idle)} ms), ${calls} calls\n`);
  console.log("inclusive CPU per call, by part:");
  for (const [part, ms] of [...parts].sort((a, b) => b[1] - a[1])) console.log(`  ${perCall(ms).padStart(7)}  ${part}`);
  console.log("\nCPU per call by the outermost frame of the bundle (what resumed), top 40:");
  for (const [entry, ms] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, 40))
    console.log(`  ${perCall(ms).padStart(7)}  ${entry}`);
  console.log("\ntop self time per call:");
  for (const [at, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40))
    console.log(`  ${perCall(ms).padStart(7)}  ${at}`);
}

async function main() {
  const calls = Number(process.argv[2] ?? 500);
  const upstream = await startUpstream(18890);
  const worker = await startBundledWorker({ port: 18892, vars: { ADMIN_TOKEN: ADMIN }, inspectorPort: 9239 });
  try {
    const { admin, api_key } = await setUpBenchTenant(worker.url, upstream.url);
    let id = 0;
    const call = async () => (await governedGetOrder(worker.url, api_key, ++id)).headers.get("server-timing");
    const hop = async () => (await fetch(`${worker.url}/health`)).arrayBuffer();
    for (let i = 0; i < 200; i++) await call();
    const timed = async (fn: () => Promise<unknown>) => {
      const out: number[] = [];
      for (let i = 0; i < calls; i++) {
        const t = performance.now();
        await fn();
        out.push(performance.now() - t);
      }
      return out;
    };
    const hops = await timed(hop);
    const unprofiled = await timed(call);
    const inspector = devtools(await inspectorTarget(9239));
    await inspector.opened;
    await inspector.send("Profiler.enable");
    await inspector.send("Profiler.setSamplingInterval", { interval: 50 });
    await inspector.send("Profiler.start");
    const profiled = await timed(call);
    const { profile } = (await inspector.send("Profiler.stop")) as { profile: Profile };
    if (process.env.PROFILE_OUT) await writeFile(process.env.PROFILE_OUT, JSON.stringify(profile));
    inspector.close();
    console.log(
      `wall p50: hop ${percentile(hops, 50).toFixed(3)} ms, call ${percentile(unprofiled, 50).toFixed(3)} ms ` +
        `(${percentile(profiled, 50).toFixed(3)} ms while sampled)`,
    );
    summarize(profile, calls);
    const { rows } = (await admin("GET", `/audit?tenant=bench&limit=${Math.min(calls, 1000)}`)) as {
      rows: { latency_ms: Record<string, number>; total_ms: number }[];
    };
    console.log("\nI/O waits per stage from the audit rows (p50 ms; CPU does not move workerd's clock):");
    for (const stage of ["validate", "policy", "approval", "adapter", "audit"])
      console.log(
        `  ${stage.padEnd(9)} ${percentile(
          rows.map((r) => r.latency_ms[stage] ?? 0),
          50,
        ).toFixed(3)}`,
      );
    console.log(
      `  total     ${percentile(
        rows.map((r) => r.total_ms),
        50,
      ).toFixed(3)}`,
    );
  } finally {
    await worker.stop();
    await upstream.close();
  }
}

await main();

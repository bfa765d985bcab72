#!/usr/bin/env node
// The MCP conformance suite's server scenarios (@modelcontextprotocol/conformance, pinned in package.json) against the
// Worker as `npm start` runs it: wrangler dev with local D1 and Durable Objects, the demo tenant seeded. The suite's
// client sends no Authorization header, so it talks to a small local relay that adds the demo agent's key (as an
// agent's MCP client would) and passes every other header, Host and Origin included, through unchanged: the
// dns-rebinding-protection scenario reaches the Worker's own Origin check. Used by CI; exits non-zero on failure.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { request as httpRequest, createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalWorker } from "./local-worker.mjs";

/** The server scenarios that run on Node 20, in the order the suite lists them. */
const SCENARIOS = ["server-initialize", "ping", "tools-list", "tools-call-error", "dns-rebinding-protection"];
const WORKER_PORT = 18797;
const RELAY_PORT = 18798;
const cli = fileURLToPath(new URL("../node_modules/@modelcontextprotocol/conformance/dist/index.js", import.meta.url));

const dir = await mkdtemp(join(tmpdir(), "policy-os-conformance-"));
const worker = await startLocalWorker({
  port: WORKER_PORT,
  persistTo: dir,
  quiet: true,
  onLog: (l) => console.log(`  ${l}`),
});
const relay = createServer((incoming, outgoing) => {
  const headers = { ...incoming.headers };
  headers.authorization ??= `Bearer ${worker.demoAgentKey}`;
  const upstream = httpRequest(
    { host: "127.0.0.1", port: WORKER_PORT, method: incoming.method, path: incoming.url, headers },
    (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    },
  );
  upstream.on("error", (error) => {
    outgoing.writeHead(502, { "content-type": "text/plain" });
    outgoing.end(`relay: ${error.message}`);
  });
  incoming.pipe(upstream);
});
await new Promise((resolve) => relay.listen(RELAY_PORT, "127.0.0.1", resolve));

/** Runs one scenario with the suite's own CLI; resolves to its exit code. */
const scenario = (name) =>
  new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [cli, "server", "--url", `http://localhost:${RELAY_PORT}/mcp`, "--scenario", name, "-o", join(dir, "results")],
      { stdio: ["ignore", "inherit", "inherit"] },
    );
    child.once("exit", (code) => resolve(code ?? 1));
  });

const failed = [];
try {
  const seed = await fetch(`${worker.url}/admin/seed`, {
    method: "POST",
    headers: { authorization: `Bearer ${worker.adminToken}` },
  });
  if (!seed.ok) throw new Error(`seeding the demo tenant failed: ${seed.status} ${await seed.text()}`);
  for (const name of SCENARIOS) {
    console.log(`\n== conformance: ${name}`);
    if ((await scenario(name)) !== 0) failed.push(name);
  }
} finally {
  relay.close();
  await worker.stop();
  await rm(dir, { recursive: true, force: true });
}
console.log(
  failed.length === 0
    ? `\nconformance: all ${SCENARIOS.length} server scenarios passed`
    : `\nconformance: ${failed.length} of ${SCENARIOS.length} scenarios failed: ${failed.join(", ")}`,
);
process.exitCode = failed.length === 0 ? 0 : 1;

#!/usr/bin/env node
// The README's front door, checked end to end: what `npm start` serves (wrangler dev, local D1 and Durable Objects,
// the demo seed) answers a real MCP client, and the CLI verifies the ledger. Used by CI; exits non-zero on failure.
import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LOCAL_DEFAULTS, startLocalWorker } from "./local-worker.mjs";

const ROOT = "d0000000-0000-4000-8000-000000000001";
const dir = await mkdtemp(join(tmpdir(), "policy-os-smoke-"));
const worker = await startLocalWorker({
  port: 18787,
  persistTo: dir,
  quiet: true,
  onLog: (l) => console.log(`  ${l}`),
});
const check = (ok, what) => {
  console.log(`  ${ok ? "✓" : "✗"} ${what}`);
  if (!ok) process.exitCode = 1;
};
try {
  const seed = await fetch(`${worker.url}/admin/seed`, {
    method: "POST",
    headers: { authorization: `Bearer ${LOCAL_DEFAULTS.adminToken}` },
  });
  check(seed.ok, "the demo tenant is seeded with the documented local admin token");

  const client = new Client({ name: "policy-os-smoke", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${worker.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${LOCAL_DEFAULTS.demoAgentKey}` } },
    }),
  );
  const { tools } = await client.listTools();
  check(
    tools.some((t) => t.name === "payments.create_refund"),
    `tools/list shows the demo tools (${tools.length})`,
  );
  const outcome = async (name, args) => (await client.callTool({ name, arguments: args })).structuredContent;
  check(
    (await outcome("payments.lookup_customer", { customer_id: "cus_001" })).outcome === "succeeded",
    "an open call runs",
  );
  check(
    (await outcome("crm.delete_contact", { contact_id: "con_001" })).outcome === "denied",
    "a blocked call is denied",
  );
  const held = await outcome("payments.create_refund", {
    customer_id: "cus_002",
    amount_cents: 70_000,
    reason: "smoke",
  });
  check(held.outcome === "pending_approval" && held.escalation_id?.startsWith("esc_"), "a large refund is held");
  await client.close();

  const verify = execFileSync(process.execPath, ["scripts/policy-os.mjs", "ledger", "verify", "--url", worker.url], {
    encoding: "utf8",
  });
  check(verify.includes("chain intact"), `the CLI verifies the ledger: ${verify.trim()}`);
  await notionSetupAcrossARestart();
} catch (error) {
  check(false, `smoke run failed: ${error.stack ?? error}`);
} finally {
  await worker.stop();
  await rm(dir, { recursive: true, force: true });
}

/** The Notion emulator keeps its data across a restart, and `policy-os notion setup` is idempotent against it. */
async function notionSetupAcrossARestart() {
  const file = join(dir, "notion", "state.json");
  const url = "http://127.0.0.1:18788";
  const setup = () =>
    execFileSync(
      process.execPath,
      ["scripts/policy-os.mjs", "notion", "setup", "--url", url, "--parent", ROOT, "--samples"],
      {
        encoding: "utf8",
      },
    );
  let emulator = await startEmulator(file);
  const first = setup();
  check((first.match(/: created /g) ?? []).length === 6, "notion setup creates the six databases in the emulator");
  emulator.kill("SIGTERM");
  emulator = await startEmulator(file);
  const second = setup();
  emulator.kill("SIGTERM");
  check(
    (second.match(/: found /g) ?? []).length === 6 && !/[1-9]\d* sample row\(s\) added/.test(second),
    "after an emulator restart, setup again finds every database and adds no row",
  );
}

async function startEmulator(file) {
  const child = spawn(process.execPath, ["--import", "tsx", "emulator/node/main.ts"], {
    env: { ...process.env, PORT: "18788", NOTION_EMULATOR_FILE: file },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => String(chunk).includes("Notion emulator on") && resolve());
    child.once("exit", (code) => reject(new Error(`the Notion emulator exited with ${code}`)));
  });
  return child;
}

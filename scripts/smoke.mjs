#!/usr/bin/env node
// The README's front door, checked end to end: what `npm start` serves (wrangler dev, local D1 and Durable Objects,
// the demo seed) answers a real MCP client, and the CLI verifies the ledger. Used by CI; exits non-zero on failure.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LOCAL_DEFAULTS, startLocalWorker } from "./local-worker.mjs";

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
} catch (error) {
  check(false, `smoke run failed: ${error.stack ?? error}`);
} finally {
  await worker.stop();
  await rm(dir, { recursive: true, force: true });
}

#!/usr/bin/env node
// The README's front door, checked end to end, wired as `npm start` wires it: the Notion emulator sending webhooks to
// the Worker under wrangler dev (local D1 and Durable Objects, the demo seed), a real MCP client, the CLI verifying the
// ledger, `notion setup --connect`, a manager's edit in Notion changing the next decision, and the emulator keeping
// its data across a restart. Used by CI; exits non-zero on failure.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Client as NotionClient } from "@notionhq/client";
import { startEmulatorProcess } from "../emulator/node/spawn.mjs";
import { startLocalWorker } from "./local-worker.mjs";

const WORKER_PORT = 18787;
const EMULATOR_PORT = 18788;
const EDIT_TO_EFFECT_MS = 10_000;
const dir = await mkdtemp(join(tmpdir(), "policy-os-smoke-"));
const stateFile = join(dir, "notion", "state.json");
const startEmulator = () =>
  startEmulatorProcess({
    port: EMULATOR_PORT,
    file: stateFile,
    webhookUrl: `http://127.0.0.1:${WORKER_PORT}/webhooks/notion/demo`,
    onLine: (line) => console.log(`  [notion-emulator] ${line}`),
  });
const check = (ok, what) => {
  console.log(`  ${ok ? "✓" : "✗"} ${what}`);
  if (!ok) process.exitCode = 1;
};

let emulator = await startEmulator();
const worker = await startLocalWorker({
  port: WORKER_PORT,
  persistTo: dir,
  quiet: true,
  vars: {
    NOTION_API_URL: emulator.url,
    NOTION_TOKEN: "secret_emulator",
    NOTION_WEBHOOK_SECRET: "secret_emulator_webhook",
  },
  onLog: (l) => console.log(`  ${l}`),
}).catch(async (error) => {
  await emulator.stop();
  throw error;
});
/**
 * Runs the CLI as this run's admin, against this run's emulator: the token the Worker was given (the shell's
 * ADMIN_TOKEN or the local default) and the emulator's Notion token, whatever the shell says. Asynchronous, so the
 * MCP client's idle keep-alive connection is noticed closing while the CLI runs.
 */
const cli = async (...args) =>
  (
    await promisify(execFile)(process.execPath, ["scripts/policy-os.mjs", ...args], {
      encoding: "utf8",
      env: { ...process.env, ADMIN_TOKEN: worker.adminToken, NOTION_TOKEN: "secret_emulator" },
    })
  ).stdout;
let client;
try {
  const seed = await fetch(`${worker.url}/admin/seed`, {
    method: "POST",
    headers: { authorization: `Bearer ${worker.adminToken}` },
  });
  check(
    seed.ok,
    `the demo tenant is seeded with ${process.env.ADMIN_TOKEN ? "the shell's ADMIN_TOKEN" : "the documented local admin token"}`,
  );

  client = new Client({ name: "policy-os-smoke", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${worker.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${worker.demoAgentKey}` } },
    }),
  );
  const { tools } = await client.listTools();
  check(
    tools.some((t) => t.name === "payments.create_refund"),
    `tools/list shows the demo tools (${tools.length})`,
  );
  const outcome = async (name, args) => (await client.callTool({ name, arguments: args })).structuredContent;
  const refund = () =>
    outcome("payments.create_refund", { customer_id: "cus_002", amount_cents: 70_000, reason: "smoke" });
  check(
    (await outcome("payments.lookup_customer", { customer_id: "cus_001" })).outcome === "succeeded",
    "an open call runs",
  );
  check(
    (await outcome("crm.delete_contact", { contact_id: "con_001" })).outcome === "denied",
    "a blocked call is denied",
  );
  const held = await refund();
  check(held.outcome === "pending_approval" && held.escalation_id?.startsWith("esc_"), "a large refund is held");

  const verify = await cli("ledger", "verify", "--url", worker.url);
  check(verify.includes("chain intact"), `the CLI verifies the ledger: ${verify.trim()}`);

  // An auditor saves a signed checkpoint; after more calls the live ledger must still extend it.
  const saved = join(dir, "checkpoint.txt");
  await cli("ledger", "checkpoint", "--url", worker.url, "--out", saved);
  await outcome("payments.lookup_customer", { customer_id: "cus_002" });
  const since = await cli("ledger", "verify", "--since", saved, "--url", worker.url);
  check(
    since.includes("extends the checkpoint"),
    `the live ledger extends a checkpoint saved before a call: ${since.trim()}`,
  );

  const setup = await cli(
    ...["notion", "setup", "--url", emulator.url, "--parent", emulator.rootPageId, "--samples"],
    ...["--connect", worker.url, "--tenant", "demo"],
  );
  const databases = readdirSync("notion-templates").filter((file) => file.endsWith(".json")).length;
  check(
    (setup.match(/: created /g) ?? []).length === databases,
    `notion setup creates the ${databases} databases of notion-templates/ in the emulator`,
  );
  check(
    /Connected tenant demo/.test(setup) && /policies +10 read, 10 applied, 0 rejected/.test(setup),
    "setup --connect connects the demo tenant and its first sync applies the 10 sample policies",
  );
  const stillHeld = await refund();
  check(
    stillHeld.outcome === "pending_approval" && stillHeld.decision?.policy_ids?.includes("refund-over-limit"),
    "after the sync, the policy refund-over-limit from Notion holds a large refund",
  );

  const ms = await managerRetires("refund-over-limit", async () => (await refund()).outcome === "succeeded");
  check(
    ms !== undefined,
    ms === undefined
      ? `a manager retired refund-over-limit in Notion, but a $700 refund was still not made ${EDIT_TO_EFFECT_MS / 1000} s later (the webhook → sync path did not apply the edit)`
      : `a manager retires refund-over-limit in Notion: ${ms} ms later a $700 refund runs (webhook → sync)`,
  );

  const lastRun = async () => {
    const response = await fetch(`${worker.url}/admin/notion?tenant=demo`, {
      headers: { authorization: `Bearer ${worker.adminToken}` },
    });
    return (await response.json()).sync?.sources?.map((source) => source.last_run_at).join() ?? "";
  };
  const before = await lastRun();
  const tick = await fetch(`${worker.url}/cdn-cgi/handler/scheduled`);
  let synced = false;
  for (let i = 0; i < 20 && tick.ok && !synced; i++) {
    await new Promise((r) => setTimeout(r, 250));
    synced = (await lastRun()) !== before;
  }
  check(tick.ok && synced, `the scheduled handler npm start ticks (${tick.status}) runs a Notion sync`);

  await emulator.stop();
  emulator = await startEmulator();
  const again = await cli("notion", "setup", "--url", emulator.url, "--parent", emulator.rootPageId, "--samples");
  check(
    (again.match(/: found /g) ?? []).length === databases && !/[1-9]\d* sample row\(s\) added/.test(again),
    "after an emulator restart, setup again finds every database and adds no row",
  );
} catch (error) {
  check(false, `smoke run failed: ${error.stack ?? error}`);
} finally {
  await client?.close();
  await worker.stop();
  await emulator.stop();
  await rm(dir, { recursive: true, force: true });
}

/**
 * Acts as `person:manager` through @notionhq/client: sets the policy's Status to Retired, then polls `changed` until
 * it holds. Returns the milliseconds it took, or undefined after EDIT_TO_EFFECT_MS.
 */
async function managerRetires(policyId, changed) {
  const manager = new NotionClient({ auth: "person:manager", baseUrl: emulator.url, logger: () => undefined });
  const found = await manager.search({ query: "Policies", filter: { property: "object", value: "data_source" } });
  const policies = found.results.find((r) => r.title?.map((t) => t.plain_text).join("") === "Policies");
  if (!policies) throw new Error("no Policies database in the emulator");
  const { results } = await manager.dataSources.query({
    data_source_id: policies.id,
    filter: { property: "Policy ID", rich_text: { equals: policyId } },
  });
  if (!results[0]) throw new Error(`no policy ${policyId} in the Policies database`);
  const started = Date.now();
  await manager.pages.update({ page_id: results[0].id, properties: { Status: { select: { name: "Retired" } } } });
  while (Date.now() - started < EDIT_TO_EFFECT_MS) {
    if (await changed()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 250));
  }
  return undefined;
}

#!/usr/bin/env node
// `npm run load`: a bounded, local load test. The Worker runs as `npm start` runs it (wrangler dev, local D1 and
// Durable Objects) against the Notion emulator; two tenants, each with its own agents, keys and Notion databases, take
// N tool calls through the real MCP SDK client with bounded concurrency, while managers edit policy rows in Notion
// (and syncs run) and approvers approve or deny held calls in Notion, whose agents then retry them. Afterwards it
// checks what must hold (no cross-tenant read, every call's two ledger entries, no double execution at the host, no
// spend past the cap, both ledgers verify), prints the figures, and exits non-zero if any invariant fails.
//
//   npm run load                     10,000 calls
//   npm run load -- --short          about 1,000 calls (CI)
//   npm run load -- --calls 200 --concurrency 8 --json
import { execFile } from "node:child_process";
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Client as NotionClient } from "@notionhq/client";
import { startEmulatorProcess } from "../emulator/node/spawn.mjs";
import { hostExecutions, ledgerPairing, spendAgainstCap, table } from "./load-checks.mjs";
import { childFailure, portFromEnv, startLocalWorker } from "./local-worker.mjs";

const USAGE = `usage: npm run load -- [--calls N] [--short] [--concurrency C] [--json]
  --calls N        tool calls to plan, split over two tenants (default 10000)
  --short          the CI form: 1000 calls
  --concurrency C  calls in flight at once (default 16)
  --json           print the figures as one JSON object instead of tables`;

const TENANTS = ["load-a", "load-b"];
/** The sample policies (notion-templates/policies.json) this run puts in force for both tenants. */
const POLICY_IDS = ["refund-over-limit", "daily-refund-cap", "no-contact-deletion", "refund-alert"];
/**
 * Each tenant has two agents. The clerk's refunds run at once until the daily cap stops them; every refund of the
 * trainee waits for a manager (the load test's own policy row, below). They refund different sample customers, whose
 * refundable balances (cus_002 120,000 cents, cus_001 50,000) are above what the cap and the held calls can spend.
 */
const AGENTS = {
  clerk: { scopes: ["support"], customer: "cus_002" },
  trainee: { scopes: ["trainee"], customer: "cus_001" },
};
/** The policy row that holds the trainee's refunds, written in Notion with the sample rows. */
const TRAINEE_ROW = {
  Name: "A trainee's refunds wait for a manager",
  "Policy ID": "trainee-refunds",
  Type: "approval",
  Mode: "pause",
  Status: "Active",
  Tools: "payments.create_refund",
  Scopes: ["trainee"],
  Approvers: ["manager"],
  "Reason code": "trainee_refund",
  Message: "Refunds by trainee agents need a manager's approval.",
};
/** How long a held call's agent waits for people before giving up on it (reported, not an invariant). */
const DECISION_WAIT_MS = 180_000;
const PROGRESS_STEPS = 10;
/** What wrangler dev's proxy (not the Worker) answers when it loses a request to the runtime. */
const DEV_PROXY_DROP = /Your worker restarted mid-request/;

const { values: options } = parseArgs({
  options: {
    calls: { type: "string" },
    short: { type: "boolean", default: false },
    concurrency: { type: "string", default: "16" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
const plannedCalls = positiveInt("--calls", options.calls ?? (options.short ? "1000" : "10000"));
const concurrency = positiveInt("--concurrency", options.concurrency);
const workerPort = portFromEnv("LOAD_WORKER_PORT", 18807);
const emulatorPort = portFromEnv("LOAD_EMULATOR_PORT", 18808);
const relayPort = portFromEnv("LOAD_WEBHOOK_RELAY_PORT", 18809);
/** Progress goes to stderr under --json, so that stdout is the JSON alone. */
const began = performance.now();
const log = (line) =>
  (options.json ? console.error : console.log)(
    `[load ${((performance.now() - began) / 1000).toFixed(1).padStart(5)} s] ${line}`,
  );

const policies = await samplePolicies();
const dailyCap = policies.rows.find((row) => row["Policy ID"] === "daily-refund-cap").Cap;
const plan = planCalls(plannedCalls, dailyCap);
const dir = await mkdtemp(join(tmpdir(), "policy-os-load-"));
const running = [];
for (const signal of ["SIGINT", "SIGTERM"])
  process.on(signal, async () => {
    for (const child of running.splice(0).reverse()) await child.stop();
    await rm(dir, { recursive: true, force: true });
    process.exit(130);
  });
let failure;
let report;
try {
  report = await run();
} catch (error) {
  failure = error;
} finally {
  for (const child of running.splice(0).reverse()) await child.stop();
  await rm(dir, { recursive: true, force: true });
}
if (failure) {
  console.error(`[load] the load test stopped: ${failure.stack ?? failure}`);
  process.exit(2);
}
const broken = report.invariants.filter((invariant) => !invariant.holds);
if (options.json) console.log(JSON.stringify(report, null, 2));
else printReport(report);
if (broken.length) {
  console.error(`\n[load] ${broken.length} invariant(s) failed:`);
  for (const invariant of broken)
    console.error(`  ✗ ${invariant.name}: ${invariant.value} (must be ${invariant.must})`);
  process.exitCode = 1;
} else log(`every invariant held over ${report.calls.total} calls`);

async function run() {
  log(`starting the Notion emulator and the Worker (local D1 and Durable Objects) in ${dir}…`);
  const workerUrl = `http://127.0.0.1:${workerPort}`;
  const relay = await startWebhookRelay(
    relayPort,
    TENANTS.map((tenant) => `${workerUrl}/webhooks/notion/${tenant}`),
  );
  running.push(relay);
  const emulator = await startEmulatorProcess({
    port: emulatorPort,
    file: join(dir, "notion", "state.json"),
    webhookUrl: relay.url,
    onLine: (line) => log(`notion emulator: ${line}`),
  });
  running.push(emulator);
  const worker = await startLocalWorker({
    port: workerPort,
    persistTo: dir,
    quiet: true,
    vars: {
      NOTION_API_URL: emulator.url,
      NOTION_TOKEN: "secret_emulator",
      NOTION_WEBHOOK_SECRET: "secret_emulator_webhook",
    },
  });
  running.push(worker);
  const admin = adminClient(worker);
  const manager = new NotionClient({ auth: "person:manager", baseUrl: emulator.url, logger: () => undefined });

  const tenants = await Promise.all(TENANTS.map((id) => setUpTenant({ id, admin, manager, worker, emulator })));
  running.push({
    stop: async () =>
      Promise.all(tenants.flatMap((tenant) => Object.values(tenant.agents).map((a) => a.client.close()))),
  });
  const [a, b] = tenants;
  a.other = b;
  b.other = a;

  log(
    `${plannedCalls} calls over ${TENANTS.join(" and ")}, ${concurrency} at a time; ` +
      `held refunds go to people in Notion, policy rows are edited meanwhile`,
  );
  const started = performance.now();
  const cron = tickScheduled(worker.url);
  // A person's loop that breaks would leave the run testing less than it says: it fails the run, after cleanup.
  const broken = [];
  const keep = (what, promise) => promise.catch((error) => broken.push(`${what}: ${error.message}`));
  const people = tenants.map((tenant) => keep(`${tenant.id}'s approver`, decideHeldCalls(tenant, manager)));
  const editors = tenants.map((tenant) => keep(`${tenant.id}'s policy editor`, editPolicies(tenant, manager, admin)));
  const followUps = new Set();
  let done = 0;
  let nextProgress = 1;
  await pool(plan, concurrency, async (planned) => {
    const tenant = tenants[planned.tenant];
    const result = await callTool(tenant, planned.role, planned.tool, planned.args);
    if (result.outcome === "pending_approval") {
      const followUp = followHeldCall(tenant, planned, result).finally(() => followUps.delete(followUp));
      followUps.add(followUp);
    }
    done++;
    if (done >= (plannedCalls * nextProgress) / PROGRESS_STEPS) {
      nextProgress++;
      const seconds = (performance.now() - started) / 1000;
      log(
        `${done}/${plannedCalls} calls (${Math.round((100 * done) / plannedCalls)}%), ` +
          `${Math.round(done / seconds)} calls/s; held ${count(tenants, "held")}, ` +
          `decided in Notion ${count(tenants, "decided")}, policy edits ${count(tenants, "edits")}`,
      );
    }
  });
  if (followUps.size) log(`waiting for ${followUps.size} held call(s) to be decided in Notion and retried…`);
  await Promise.all([...followUps]);
  const elapsed = (performance.now() - started) / 1000;
  const callsUnderLoad = count(tenants, "calls", (calls) => calls.length);
  clearInterval(cron.timer);
  for (const tenant of tenants) tenant.stopping = true;
  await Promise.all([...people, ...editors]);
  if (broken.length) throw new Error(`a loop of people in Notion stopped:\n${broken.join("\n")}`);
  // Audit rows are written just after each answer (waitUntil); give the last ones a moment.
  await new Promise((resolve) => setTimeout(resolve, 2000));

  log("checking the invariants…");
  const figures = [];
  for (const tenant of tenants) figures.push(await checkTenant(tenant, admin, dailyCap));
  const crossTenant = await crossTenantReads(tenants, admin, worker.url);
  return summarize({ tenants, figures, crossTenant, elapsed, callsUnderLoad, relay, cron });
}

/** Creates a tenant with demo hosts, its agent, and its own Notion databases (sample policies) under its own page. */
async function setUpTenant({ id, admin, manager, worker, emulator }) {
  await admin.ok("POST", "/tenants", {
    id,
    name: `Load test ${id}`,
    demo_hosts: true,
    default_approvers: ["manager", "ops"],
  });
  const agents = {};
  for (const [role, { scopes }] of Object.entries(AGENTS)) {
    const created = await admin.ok("POST", "/agents", {
      tenant: id,
      name: `${id}-${role}`,
      owner: "requester",
      scopes,
    });
    agents[role] = { id: created.agent.id, key: created.api_key };
  }
  const page = await manager.pages.create({
    parent: { page_id: emulator.rootPageId },
    properties: { title: { title: [{ text: { content: `Policy OS ${id}` } }] } },
  });
  log(`${id}: agents ${agents.clerk.id} (clerk), ${agents.trainee.id} (trainee); creating its Notion databases…`);
  const ids = await notionSetup(
    ["--url", emulator.url, "--parent", page.id, "--connect", worker.url, "--tenant", id, "--json"],
    worker.adminToken,
  );
  log(`${id}: Notion databases connected; the manager writes the policy rows…`);
  // The policy rows are written by the manager (people are not rate limited, the integration is): they reach the
  // Worker through the webhook and the sync, and the run starts once all are in force.
  const rows = [...policies.rows, TRAINEE_ROW];
  for (const row of rows)
    await manager.pages.create({
      parent: { data_source_id: ids.policies },
      properties: notionProperties(policies.properties, row),
    });
  await admin.ok("POST", `/sync?tenant=${id}`, {});
  const inForce = await until(
    async () => (await admin.ok("GET", `/policies?tenant=${id}`)).rows.map((row) => row["Policy ID"]),
    (names) => rows.every((row) => names.includes(row["Policy ID"])),
  );
  if (!rows.every((row) => inForce.includes(row["Policy ID"])))
    throw new Error(
      `${id}: the policy rows written in Notion were not in force after 30 s (in force: ${inForce.join(", ")})`,
    );
  log(`${id}: ${inForce.length} policy rows in force`);
  for (const [role, agent] of Object.entries(agents)) {
    agent.client = new Client({ name: `policy-os-load-${id}-${role}`, version: "1.0.0" });
    await agent.client.connect(
      new StreamableHTTPClientTransport(new URL(`${worker.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${agent.key}` } },
      }),
    );
  }
  return {
    id,
    agents,
    sources: ids,
    calls: [],
    errors: [],
    devServerDrops: [],
    held: 0,
    decided: 0,
    edits: 0,
    syncs: { ok: 0, failed: {} },
    retryOutcomes: {},
    followUps: { repeatMismatch: 0, undecided: 0, approved: 0, denied: 0, expired: 0, retries: 0 },
    stopping: false,
  };
}

/** One tools/call through the MCP client, recorded; a thrown error (transport, JSON-RPC) is recorded as `error`. */
async function callTool(tenant, role, name, args, meta) {
  try {
    const result = await tenant.agents[role].client.callTool(
      { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
      undefined,
      {
        timeout: 120_000,
      },
    );
    const outcome = result.structuredContent ?? {};
    const code = outcome.denial?.code ?? outcome.error?.code ?? outcome.decision?.reason_code ?? null;
    tenant.calls.push({
      role,
      tool: name,
      invocation_id: outcome.invocation_id,
      outcome: outcome.outcome,
      code,
      escalation_id: outcome.escalation_id ?? undefined,
    });
    return outcome;
  } catch (error) {
    // wrangler dev's own proxy answers 503 with this sentence when its link to the runtime drops (seen on a
    // starved machine): the Worker never answered. The ledger checks cover whatever such a call may have left.
    const devServer = DEV_PROXY_DROP.test(error.message);
    tenant.calls.push({ role, tool: name, outcome: "error", code: devServer ? "dev_server_503" : String(error.code) });
    (devServer ? tenant.devServerDrops : tenant.errors).push(`${name}: ${error.message}`.slice(0, 300));
    return { outcome: "error" };
  }
}

/**
 * What happens to a held call: the agent repeats it while pending (the same escalation must come back), waits for
 * people through governance.escalation_status, then retries it, three times at once after an approval: the
 * escalation is the call's idempotency key, so at most one of them may run.
 */
async function followHeldCall(tenant, planned, held) {
  tenant.held++;
  const escalation_id = held.escalation_id;
  const repeat = await callTool(tenant, planned.role, planned.tool, planned.args);
  if (repeat.outcome !== "error" && repeat.escalation_id !== escalation_id) tenant.followUps.repeatMismatch++;
  const waitUntil = Date.now() + DECISION_WAIT_MS;
  let status = "pending";
  while (status === "pending" && Date.now() < waitUntil) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const answer = await callTool(tenant, planned.role, "governance.escalation_status", { escalation_id });
    status = answer.data?.status ?? status;
  }
  if (status === "pending") return void tenant.followUps.undecided++;
  if (status in tenant.followUps) tenant.followUps[status]++;
  const retries = status === "approved" ? 3 : 1;
  tenant.followUps.retries += retries;
  const answers = await Promise.all(
    Array.from({ length: retries }, () =>
      callTool(tenant, planned.role, planned.tool, planned.args, { escalation_id }),
    ),
  );
  for (const answer of answers) {
    const key =
      `${status}: ${answer.outcome} ${answer.denial?.code ?? answer.error?.code ?? answer.decision?.reason_code ?? ""}`.trim();
    tenant.retryOutcomes[key] = (tenant.retryOutcomes[key] ?? 0) + 1;
  }
}

/** An approver in Notion: sets Decision on each Pending page of the tenant's Approvals, three approvals a denial. */
async function decideHeldCalls(tenant, manager) {
  const decided = new Set();
  while (!tenant.stopping) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const pages = await queryAll(manager, tenant.sources.approvals, {
      property: "Decision",
      select: { equals: "Pending" },
    }).catch(() => []);
    for (const page of pages) {
      if (decided.has(page.id)) continue;
      decided.add(page.id);
      const escalation = textOf(page, "Escalation ID");
      const decision = hashOf(escalation) % 4 === 3 ? "Denied" : "Approved";
      await manager.pages
        .update({ page_id: page.id, properties: { Decision: { select: { name: decision } } } })
        .then(() => tenant.decided++)
        .catch(() => decided.delete(page.id));
    }
  }
}

/**
 * A manager editing policy rows in Notion while the calls run: the compliance alert on refunds is retired and
 * reactivated, and the contact-deletion block's message rewritten; every other edit is followed by a sync through
 * the admin API (the webhook starts one too). None of these edits changes what a call may do.
 */
async function editPolicies(tenant, manager, admin) {
  const [alert] = await queryAll(manager, tenant.sources.policies, rowWhere("Policy ID", "refund-alert"));
  const [block] = await queryAll(manager, tenant.sources.policies, rowWhere("Policy ID", "no-contact-deletion"));
  if (!alert || !block)
    throw new Error(`${tenant.id}: the sample policies refund-alert and no-contact-deletion are missing`);
  for (let edit = 1; !tenant.stopping; edit++) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const properties =
      edit % 2
        ? { Status: { select: { name: edit % 4 === 1 ? "Retired" : "Active" } } }
        : {
            Message: {
              rich_text: [{ text: { content: `Deleting contacts is not allowed for agents (edit ${edit}).` } }],
            },
          };
    await manager.pages.update({ page_id: edit % 2 ? alert.id : block.id, properties }).then(
      () => tenant.edits++,
      () => undefined,
    );
    if (edit % 2 === 0) continue;
    const synced = await admin.call("POST", `/sync?tenant=${tenant.id}`, { full: edit % 6 === 1 });
    if (synced.status < 300) tenant.syncs.ok++;
    else tenant.syncs.failed[synced.status] = (tenant.syncs.failed[synced.status] ?? 0) + 1;
  }
}

/** Every figure of one tenant: its ledger, paired with its calls; the host's refunds; spend; verification. */
async function checkTenant(tenant, admin, cap) {
  const entries = await ledgerOf(admin, tenant.id);
  const otherInvocations = new Set(tenant.other.calls.map((call) => call.invocation_id).filter(Boolean));
  const ledger = ledgerPairing({ entries, tenant: tenant.id, calls: tenant.calls, otherInvocations });
  // What the ledger says of each refund call (whether or not its answer reached the agent): its agent, its time.
  const roleOf = new Map(Object.entries(tenant.agents).map(([role, agent]) => [agent.id, role]));
  const refundCalls = new Map();
  const succeededRefunds = new Set();
  for (const entry of entries) {
    if (entry.kind === "decision" && entry.body.tool === "payments.create_refund")
      refundCalls.set(entry.invocation_id, { role: roleOf.get(entry.body.agent_id) ?? "unknown" });
    if (entry.kind !== "outcome" || !refundCalls.has(entry.invocation_id)) continue;
    refundCalls.get(entry.invocation_id).at = entry.at;
    if (entry.body.outcome === "succeeded") succeededRefunds.add(entry.invocation_id);
  }
  const listed = await callTool(tenant, "clerk", "payments.list_refunds", {});
  if (listed.outcome !== "succeeded") throw new Error(`${tenant.id}: payments.list_refunds ${listed.outcome}`);
  const refunds = listed.data.refunds.map((refund) => ({
    ...refund,
    role: refundCalls.get(refund.invocation_id)?.role ?? "unknown",
    day: (refundCalls.get(refund.invocation_id)?.at ?? "unknown").slice(0, 10),
  }));
  const host = hostExecutions({ refunds, succeededRefunds });
  // The cap counts per agent: each agent's refunds against it.
  const spend = Object.fromEntries(
    Object.keys(AGENTS).map((role) => [
      role,
      spendAgainstCap({ refunds: refunds.filter((r) => r.role === role), cap }),
    ]),
  );
  const verify = await admin.ok("GET", `/ledger/verify?tenant=${tenant.id}`);
  return { tenant: tenant.id, ledger, host, spend, verify };
}

/**
 * Each tenant's agent keys and the admin API scoped to each tenant try to read the other tenant's records: its
 * escalations (governance.escalation_status, and a retry naming them), its refunds at the host, its escalation ids,
 * ledger entries and audit rows through `?tenant=`, and the admin API with an agent key. Counts every read that
 * returned something of the other tenant.
 */
async function crossTenantReads(tenants, admin, workerUrl) {
  let attempts = 0;
  let leaks = 0;
  const record = (leaked) => {
    attempts++;
    if (leaked) leaks++;
  };
  for (const tenant of tenants) {
    const other = tenant.other;
    const theirInvocations = new Set(other.calls.map((call) => call.invocation_id).filter(Boolean));
    const theirEscalations = [...new Set(other.calls.map((call) => call.escalation_id).filter(Boolean))];
    for (const escalation_id of theirEscalations.slice(0, 20))
      for (const role of Object.keys(AGENTS)) {
        const status = await callTool(tenant, role, "governance.escalation_status", { escalation_id });
        record(status.success === true);
        const retry = await callTool(
          tenant,
          role,
          "payments.create_refund",
          { customer_id: AGENTS[role].customer, amount_cents: 1, reason: `cross-tenant ${escalation_id}` },
          { escalation_id },
        );
        record(retry.outcome === "succeeded" && retry.escalation_id === escalation_id);
      }
    const refunds = await callTool(tenant, "trainee", "payments.list_refunds", {});
    record((refunds.data?.refunds ?? []).some((refund) => theirInvocations.has(refund.invocation_id)));
    const escalations = (await admin.ok("GET", `/escalations?tenant=${tenant.id}&limit=500`)).escalations;
    record(escalations.some((escalation) => theirEscalations.includes(escalation.id)));
    const audit = await auditOf(admin, tenant.id);
    record(audit.some((row) => row.tenant_id !== tenant.id || theirInvocations.has(row.invocation_id)));
    const entries = await ledgerOf(admin, tenant.id);
    record(entries.some((entry) => entry.tenant_id !== tenant.id || theirInvocations.has(entry.invocation_id)));
    for (const { key } of Object.values(tenant.agents))
      for (const path of [
        `/ledger?tenant=${other.id}`,
        `/audit?tenant=${other.id}`,
        `/escalations?tenant=${other.id}`,
      ]) {
        const response = await fetch(`${workerUrl}/admin${path}`, { headers: { authorization: `Bearer ${key}` } });
        record(response.ok);
      }
    tenant.auditRows = audit.length;
  }
  return { attempts, leaks };
}

function summarize({ tenants, figures, crossTenant, elapsed, callsUnderLoad, relay, cron }) {
  const calls = tenants.flatMap((tenant) => tenant.calls);
  const byOutcome = {};
  const byCode = {};
  for (const call of calls) {
    byOutcome[call.outcome] = (byOutcome[call.outcome] ?? 0) + 1;
    const key = `${call.outcome} ${call.code ?? ""}`.trim();
    byCode[key] = (byCode[key] ?? 0) + 1;
  }
  const perTenant = tenants.map((tenant, i) => ({
    ...figures[i],
    calls: tenant.calls.length,
    errors: tenant.errors.length,
    first_errors: tenant.errors.slice(0, 3),
    dev_server_drops: tenant.devServerDrops.length,
    audit_rows: tenant.auditRows,
    held: tenant.held,
    decided_in_notion: tenant.decided,
    follow_ups: tenant.followUps,
    retries_after_a_decision: tenant.retryOutcomes,
    policy_edits: tenant.edits,
    syncs: tenant.syncs,
  }));
  const sum = (pick) => perTenant.reduce((total, tenant) => total + pick(tenant), 0);
  const invariants = [
    { name: "cross-tenant reads", value: crossTenant.leaks, must: 0 },
    { name: "calls answered without an outcome (transport or JSON-RPC error)", value: sum((t) => t.errors), must: 0 },
    { name: "unpaired ledger entries", value: sum((t) => t.ledger.unpaired), must: 0 },
    { name: "calls lost from the ledger", value: sum((t) => t.ledger.lost), must: 0 },
    { name: "ledger outcomes unlike the answer", value: sum((t) => t.ledger.mismatched), must: 0 },
    { name: "ledger entries of the other tenant", value: sum((t) => t.ledger.foreign), must: 0 },
    { name: "double executions", value: sum((t) => t.host.double), must: 0 },
    { name: "executions the ledger does not show", value: sum((t) => t.host.unrecorded), must: 0 },
    { name: "authorized refunds not at the host", value: sum((t) => t.host.unexecuted), must: 0 },
    {
      name: "overspend (cents past the cap)",
      value: sum((t) => Object.values(t.spend).reduce((total, agent) => total + agent.overspend, 0)),
      must: 0,
    },
    { name: "repeats of a held call with another escalation", value: sum((t) => t.follow_ups.repeatMismatch), must: 0 },
    { name: "ledgers that do not verify", value: perTenant.filter((t) => !t.verify.ok).length, must: 0 },
  ].map((invariant) => ({ ...invariant, holds: invariant.value === invariant.must }));
  return {
    date: new Date().toISOString(),
    planned_calls: plannedCalls,
    concurrency,
    seconds: Math.round(elapsed * 10) / 10,
    calls: {
      total: calls.length,
      under_load: callsUnderLoad,
      dev_server_drops: tenants.reduce((total, tenant) => total + tenant.devServerDrops.length, 0),
      per_second: Math.round(callsUnderLoad / elapsed),
      by_outcome: byOutcome,
      by_reason: byCode,
    },
    cross_tenant: crossTenant,
    webhooks: relay.counts,
    scheduled_ticks: cron.counts,
    tenants: perTenant,
    invariants,
  };
}

function printReport(report) {
  const out = (lines) => console.log(lines.join("\n"));
  console.log(
    `\nLoad: ${report.calls.under_load} calls in ${report.seconds} s, ${report.calls.per_second} calls/s, ` +
      `${report.concurrency} in flight (${report.planned_calls} planned, the rest held calls' repeats, status checks ` +
      `and retries), then ${report.calls.total - report.calls.under_load} calls of the checks\n`,
  );
  const codes = Object.entries(report.calls.by_reason).sort((x, y) => y[1] - x[1]);
  out(table(["outcome and reason", "calls"], codes));
  console.log("");
  out(
    table(
      [
        "tenant",
        "calls",
        "ledger entries",
        "unpaired",
        "lost",
        "host refunds",
        "authorized",
        "double",
        "clerk spent / cap",
        "held",
        "decided",
        "edits",
        "verify",
      ],
      report.tenants.map((t) => [
        t.tenant,
        t.calls,
        t.ledger.entries,
        t.ledger.unpaired,
        t.ledger.lost,
        t.host.executions,
        t.host.authorized,
        t.host.double,
        `${t.spend.clerk.spent} / ${t.spend.clerk.cap}`,
        t.held,
        t.decided_in_notion,
        t.policy_edits,
        t.verify.ok ? `ok (${t.verify.entries})` : `BAD at ${t.verify.first_bad_seq}`,
      ]),
    ),
  );
  console.log(
    `\ncross-tenant read attempts: ${report.cross_tenant.attempts}, succeeded: ${report.cross_tenant.leaks}; ` +
      `webhook deliveries relayed to both tenants: ${report.webhooks.deliveries}; ` +
      `calls wrangler dev's proxy lost on the way to the Worker (503, no answer from the Worker): ` +
      `${report.calls.dev_server_drops}`,
  );
  for (const t of report.tenants) {
    const retries = Object.entries(t.retries_after_a_decision).map(([what, n]) => `${n} × ${what}`);
    console.log(
      `${t.tenant}: ${t.held} held, ${t.follow_ups.approved} approved and ${t.follow_ups.denied} denied in Notion ` +
        `(${t.follow_ups.undecided} undecided); retries: ${retries.join(", ") || "none"}`,
    );
  }
  console.log("");
  out(
    table(
      ["invariant", "value", "must be", ""],
      report.invariants.map((i) => [i.name, i.value, i.must, i.holds ? "✓" : "✗"]),
    ),
  );
}

/**
 * The call plan: deterministic (a fixed seed), alternating tenants; the clerk makes open, capped, blocked and invalid
 * calls, the trainee the refunds people decide (1 in 100 calls).
 */
function planCalls(n, cap) {
  let seed = 0x2545f491;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  // The clerk's refunds add up to about 1.5 caps per tenant, so the cap is reached part way through any run.
  const clerkRefunds = n * 0.2;
  const meanCents = Math.max(1, Math.round((1.5 * cap * TENANTS.length) / clerkRefunds));
  const clerk = AGENTS.clerk.customer;
  const calls = [];
  for (let i = 0; i < n; i++) {
    const tenant = i % TENANTS.length;
    const r = random();
    // Every refund has its own reason, which its retries repeat: the host's refunds per reason count executions.
    const reason = `load ${i}`;
    let role = "clerk";
    let call;
    if (r < 0.01) {
      role = "trainee";
      call = [
        "payments.create_refund",
        { customer_id: AGENTS.trainee.customer, amount_cents: 1 + Math.floor(random() * 150), reason },
      ];
    } else if (r < 0.21)
      call = [
        "payments.create_refund",
        { customer_id: clerk, amount_cents: 1 + Math.floor(random() * 2 * meanCents), reason },
      ];
    else if (r < 0.26) call = ["payments.create_refund", { customer_id: clerk, amount_cents: -5, reason }];
    else if (r < 0.31) call = ["crm.delete_contact", { contact_id: "con_003" }];
    else if (r < 0.46) call = ["crm.get_contact", { contact_id: `con_00${1 + (i % 3)}` }];
    else if (r < 0.56) call = ["serviceops.list_technicians", { region: i % 2 ? "north" : "south" }];
    else if (r < 0.6) call = ["governance.escalation_status", { escalation_id: `esc_unknown_${i}` }];
    else call = ["payments.lookup_customer", { customer_id: `cus_00${1 + (i % 3)}` }];
    calls.push({ tenant, role, tool: call[0], args: call[1] });
  }
  return calls;
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function pool(items, limit, task) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(items[next++]);
  });
  await Promise.all(lanes);
}

/**
 * A local HTTP server that hands each of the emulator's webhook deliveries to every tenant's webhook URL: one Notion
 * workspace holds both tenants' databases, so each tenant also receives the other's events, which it must ignore.
 */
async function startWebhookRelay(port, targets) {
  const counts = { deliveries: 0, answers: {} };
  const server = createServer(async (request, response) => {
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => !["host", "content-length", "connection"].includes(name)),
    );
    counts.deliveries++;
    const statuses = await Promise.all(
      targets.map((url) =>
        fetch(url, { method: "POST", headers, body }).then(
          (answer) => answer.status,
          () => 502,
        ),
      ),
    );
    for (const status of statuses) counts.answers[status] = (counts.answers[status] ?? 0) + 1;
    // A 5xx from either tenant makes the emulator retry; the tenant that took it answers the replay 401.
    response.writeHead(Math.max(...statuses) >= 500 ? 502 : 200).end();
  });
  await new Promise((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The local stand-in for the cron trigger (wrangler dev does not run it): every 10 s, as `npm start` does. */
function tickScheduled(workerUrl) {
  const counts = { ok: 0, failed: 0 };
  const timer = setInterval(async () => {
    const answer = await fetch(`${workerUrl}/cdn-cgi/handler/scheduled`).catch(() => null);
    counts[answer?.ok ? "ok" : "failed"]++;
  }, 10_000);
  return { timer, counts };
}

/** The admin API as this run's operator; `ok` throws on a non-2xx answer. */
function adminClient(worker) {
  const call = async (method, path, body) => {
    const response = await fetch(`${worker.url}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${worker.adminToken}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  };
  return {
    call,
    ok: async (method, path, body) => {
      const answer = await call(method, path, body);
      if (answer.status >= 300)
        throw new Error(
          `${method} /admin${path} answered ${answer.status}: ${JSON.stringify(answer.body)?.slice(0, 300)}`,
        );
      return answer.body;
    },
  };
}

/** Every ledger entry of a tenant, oldest first, a page of 1,000 at a time. */
async function ledgerOf(admin, tenant) {
  const entries = [];
  for (;;) {
    const after = entries.at(-1)?.seq ?? 0;
    const page = await admin.ok("GET", `/ledger?tenant=${tenant}&after_seq=${after}&limit=1000`);
    entries.push(...page.entries);
    if (page.entries.length === 0 || entries.at(-1).seq >= page.head.seq) return entries;
  }
}

/** Every audit row of a tenant, newest first, a page of 1,000 at a time. */
async function auditOf(admin, tenant) {
  const rows = new Map();
  let before = "";
  for (;;) {
    const page = await admin.ok(
      "GET",
      `/audit?tenant=${tenant}&limit=1000${before ? `&before=${encodeURIComponent(before)}` : ""}`,
    );
    for (const row of page.rows) rows.set(row.invocation_id, row);
    if (page.rows.length < 1000) return [...rows.values()];
    before = page.rows.at(-1).created_at;
  }
}

/** Every page of a data source matching `filter`, as the manager (people are not rate limited). */
async function queryAll(notion, data_source_id, filter) {
  const pages = [];
  let start_cursor;
  do {
    const page = await notion.dataSources.query({ data_source_id, filter, start_cursor, page_size: 100 });
    pages.push(...page.results);
    start_cursor = page.has_more ? page.next_cursor : undefined;
  } while (start_cursor);
  return pages;
}

function rowWhere(property, value) {
  return { property, rich_text: { equals: value } };
}

function textOf(page, property) {
  return page.properties?.[property]?.rich_text?.map((part) => part.plain_text).join("") ?? "";
}

function hashOf(text) {
  let hash = 0;
  for (const char of text) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash;
}

function count(tenants, field, measure = (value) => value) {
  return tenants.reduce((sum, tenant) => sum + measure(tenant[field]), 0);
}

function positiveInt(name, raw) {
  const n = Number(raw);
  if (!/^\d+$/.test(String(raw)) || n < 1) {
    console.error(`${name} must be a positive whole number, not "${raw}"\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

/**
 * The rows of POLICY_IDS from notion-templates/policies.json with the columns' types; checks that the refund cap is
 * in cents per agent, which the spend figures assume.
 */
async function samplePolicies() {
  const templates = JSON.parse(await readFile(new URL("../notion-templates/policies.json", import.meta.url), "utf8"));
  const rows = POLICY_IDS.map((id) => templates.sample_rows.find((row) => row["Policy ID"] === id));
  const cap = rows[1];
  if (rows.some((row) => !row) || cap.Unit !== "usd_cents" || cap.Per !== "agent" || cap.Mode !== "block")
    throw new Error(
      `notion-templates/policies.json no longer has the sample policies ${POLICY_IDS.join(", ")} as expected`,
    );
  return { rows, properties: templates.properties };
}

/** A template row as Notion page properties, by each column's type. */
function notionProperties(columns, row) {
  const text = (value) => [{ text: { content: String(value) } }];
  return Object.fromEntries(
    Object.entries(row).map(([name, value]) => {
      const type = columns[name]?.type;
      if (type === "title") return [name, { title: text(value) }];
      if (type === "rich_text") return [name, { rich_text: text(value) }];
      if (type === "select") return [name, { select: { name: value } }];
      if (type === "multi_select") return [name, { multi_select: value.map((option) => ({ name: option })) }];
      if (type === "number") return [name, { number: value }];
      if (type === "checkbox") return [name, { checkbox: value }];
      throw new Error(`the policies template has no column ${name} of a known type`);
    }),
  );
}

/** Polls `read` every 250 ms until `done` holds or `ms` passes; returns the last value. */
async function until(read, done, ms = 30_000) {
  const started = Date.now();
  let value = await read();
  while (!done(value) && Date.now() - started < ms) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await read();
  }
  return value;
}

/** Runs `policy-os notion setup` (scripts/notion-setup.ts) as this run's admin; returns the ids it prints. */
async function notionSetup(args, adminToken) {
  const script = fileURLToPath(new URL("./notion-setup.ts", import.meta.url));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script, ...args], {
      encoding: "utf8",
      env: { ...process.env, ADMIN_TOKEN: adminToken, NOTION_TOKEN: "secret_emulator" },
      maxBuffer: 4 * 1024 * 1024,
    });
    return JSON.parse(stdout);
  } catch (error) {
    throw new Error(
      childFailure("the Notion setup", { code: error.code, signal: error.signal, stderr: error.stderr }),
      {
        cause: error,
      },
    );
  }
}

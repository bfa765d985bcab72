/**
 * Notion sync: the requests a full sync of 1,000 policy rows and a sync with nothing changed cost, counted where
 * Notion receives them (the emulator, at Notion's 3 requests/s), beside the Worker's own count; the Sync status
 * write-back that follows a first sync; and the time from a manager's edit in Notion to the next MCP call's
 * decision, through the webhook and, for comparison, through the scheduled sync alone.
 */
import { Client as NotionClient } from "@notionhq/client";
import { request } from "node:http";
import { setupNotion } from "../src/notion/setup";
import { EDIT_MARGIN_MS } from "../src/notion/sync/read-rows";
import type { SyncReport } from "../src/notion/sync/types";
import { pageProperties } from "../src/notion/page-properties";
import { TEMPLATES } from "../src/notion/templates";
import { startFrozenWorker } from "./fixtures/frozen-worker";
import { INTEGRATION_TOKEN, startBenchEmulator, type BenchEmulator } from "./fixtures/notion-emulator";
import { connectAgent, loggingPolicyRows, TOGGLED_POLICY } from "./fixtures/notion-policy-rows";
import { atMost, percentile, type BenchNote, type BenchOptions, type BenchReport, type BenchResult } from "./types";

const WORKER_PORT = 18795;
const EMULATOR_PORT = 18796;
const ADMIN = "bench-admin-token";
const TENANT = "notion-bench";
const WEBHOOK_SECRET = "secret_emulator_webhook";
/** How far the emulator's clock runs behind until the no-change sync: past the sync's 2-minute edit margin. */
const BEHIND_MS = 10 * 60_000;
/** The local stand-in for the cron trigger, as `npm start` ticks it. */
const TICK_MS = 10_000;
const POLL_MS = 50;
/** Beyond the edit margin, for Notion's minute-rounded edit times and the two clocks' reading. */
const SETTLE_MS = 5_000;
const EFFECT_TIMEOUT_MS = 30_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const round = (n: number, digits = 2) => Number(n.toFixed(digits));
const seconds = (ms: number) => round(ms / 1000);

/** The Worker, built once, wired to the emulator. */
function startWorker(emulatorUrl: string) {
  return startFrozenWorker({
    port: WORKER_PORT,
    vars: {
      ADMIN_TOKEN: ADMIN,
      ENVIRONMENT: "local",
      NOTION_API_URL: emulatorUrl,
      NOTION_TOKEN: INTEGRATION_TOKEN,
      NOTION_WEBHOOK_SECRET: WEBHOOK_SECRET,
    },
  });
}

/**
 * One admin API call; a refusal ends the benchmark with the Worker's words. Plain node:http, with no time limit:
 * `POST /admin/sync {"wait": true}` after 1,000 rows answers after the write-back, past fetch's 300 s for headers.
 */
function adminApi(url: string) {
  return <T = any>(method: string, path: string, body?: unknown): Promise<T> =>
    new Promise((resolve, reject) => {
      const req = request(
        `${url}/admin${path}`,
        { method, headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" } },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => {
            const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
            if (ok) resolve(JSON.parse(text) as T);
            else reject(new Error(`${method} /admin${path}: ${res.statusCode} ${text}`));
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
}

/** Creates the six databases with sample rows, then `count` more Policies rows and the toggled row, as the manager. */
async function fillNotion(manager: NotionClient, emulator: BenchEmulator, count: number) {
  const databases = await setupNotion(manager, {
    parent_page_id: emulator.rootPageId,
    samples: true,
    log: () => undefined,
  });
  const ids = Object.fromEntries(databases.map((d) => [d.key, d.data_source_id]));
  const policies = TEMPLATES.find((t) => t.title === "Policies")!;
  const create = async (row: Record<string, unknown>) => {
    const { properties } = pageProperties(policies, row, new Map());
    return manager.pages.create({ parent: { type: "data_source_id", data_source_id: ids.policies! }, properties });
  };
  const rows = loggingPolicyRows(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < rows.length) await create(rows[next++]!);
    }),
  );
  const toggled = await create(TOGGLED_POLICY);
  return { ids, toggledPageId: toggled.id };
}

/** A sync through the admin API, with the integration requests Notion received while it read (its own window). */
async function countedSync(
  admin: ReturnType<typeof adminApi>,
  emulator: BenchEmulator,
  body: { full?: boolean; wait?: boolean },
): Promise<{ report: SyncReport; received: number; limited: number; wallMs: number; answeredAt: number }> {
  const started = performance.now();
  const report = await admin<SyncReport>("POST", `/sync?tenant=${TENANT}`, body);
  const answeredAt = Date.now();
  const wallMs = performance.now() - started;
  const failed = report.sources.filter((s) => s.error);
  if (failed.length) throw new Error(`sync failed: ${failed.map((s) => `${s.source}: ${s.error}`).join("; ")}`);
  // The background write-back starts after finished_at and the sync starts only once a write-back gave way, so
  // the report's own interval holds exactly this sync's requests.
  const window = emulator.between(report.started_at, report.finished_at);
  return {
    report,
    received: window.length,
    limited: window.filter((r) => r.status === 429).length,
    wallMs,
    answeredAt,
  };
}

/** Rows read and changed per database, as a sync report gives them. */
const rowsOf = (report: SyncReport) =>
  `rows read (changed): ${report.sources.map((x) => `${x.source} ${x.read} (${x.changed})`).join(", ")}`;

const describeSync = (s: Awaited<ReturnType<typeof countedSync>>) =>
  `${s.received} requests received by Notion (${s.limited} answered 429), ${s.report.requests} in the Worker's report, ` +
  `${(s.wallMs / 1000).toFixed(1)} s; ${rowsOf(s.report)}`;

/**
 * Flips the toggled policy's Status as the manager (Retired → Active or back) and polls the agent's call every
 * 50 ms until its decision shows the edit; returns the seconds from just before the edit was sent.
 */
async function editToEffect(
  manager: NotionClient,
  pageId: string,
  agent: Awaited<ReturnType<typeof connectAgent>>,
): Promise<number> {
  const block = !(await agent.blocked());
  const started = performance.now();
  await manager.pages.update({
    page_id: pageId,
    properties: { Status: { select: { name: block ? "Active" : "Retired" } } },
  });
  for (;;) {
    const polled = performance.now();
    if ((await agent.blocked()) === block) return (performance.now() - started) / 1000;
    if (performance.now() - started > EFFECT_TIMEOUT_MS)
      throw new Error(`the edit (Status ${block ? "Active" : "Retired"}) had no effect within 30 s`);
    await sleep(Math.max(0, POLL_MS - (performance.now() - polled)));
  }
}

export default async function notionBench({ smoke, log }: BenchOptions): Promise<BenchReport> {
  const rowCount = smoke ? 150 : 1000;
  const webhookEdits = smoke ? 1 : 5;
  const cronEdits = smoke ? 1 : 3;
  const workerUrl = `http://127.0.0.1:${WORKER_PORT}`;
  const emulator = await startBenchEmulator({
    port: EMULATOR_PORT,
    webhookUrl: `${workerUrl}/webhooks/notion/${TENANT}`,
    log,
  });
  const results: BenchResult[] = [];
  const notes: BenchNote[] = [];
  const facts: Record<string, string | number> = {};
  let tick: NodeJS.Timeout | undefined;
  let ticking: Promise<void> = Promise.resolve();
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  let agent: Awaited<ReturnType<typeof connectAgent>> | undefined;
  try {
    emulator.setBehind(BEHIND_MS);
    log("building the Worker and starting it in workerd, wired to the Notion emulator…");
    worker = await startWorker(emulator.url);
    const admin = adminApi(worker.url);

    log(`creating the databases with sample rows and ${rowCount} more Policies rows as person:manager…`);
    const manager = new NotionClient({ auth: "person:manager", baseUrl: emulator.url, logger: () => undefined });
    const { ids, toggledPageId } = await fillNotion(manager, emulator, rowCount);

    await admin("POST", "/tenants", { id: TENANT, name: "Notion benchmark", demo_hosts: true });
    // Edit → effect is measured for an edit that goes live: the release check may not hold it for the replay.
    await admin("PUT", `/release-settings?tenant=${TENANT}`, {
      retention_days: 7,
      replay_days: 7,
      threshold_pct: 100,
    });
    const { api_key } = await admin<{ api_key: string }>("POST", `/agents?tenant=${TENANT}`, {
      name: "bench-agent",
      owner: "requester",
    });
    await admin("PUT", `/notion?tenant=${TENANT}`, { data_sources: ids });
    emulator.setDelivering(true);

    log("full sync…");
    const full = await countedSync(admin, emulator, { full: true });
    log(describeSync(full));
    const policiesRead = full.report.sources.find((s) => s.source === "policies")!.read;
    if (policiesRead < rowCount) throw new Error(`the full sync read ${policiesRead} policy rows of ${rowCount}+`);
    results.push(
      { name: `notion.requests.full_sync_${rowCount}`, unit: "requests", value: full.received },
      { name: `notion.full_sync_${rowCount}_s`, unit: "s", value: seconds(full.wallMs) },
    );
    notes.push({
      name: `notion.requests.full_sync_${rowCount}`,
      target: atMost(12, "requests"),
      summary: `Notion requests, full sync of ${rowCount} policy rows`,
      note: `received by Notion; the Worker's report says ${full.report.requests}. ${policiesRead} Policies rows at Notion's 100 per query, plus one query each for Agents, Tools and Runbooks: no full read of the four databases can take fewer than ${Math.ceil(policiesRead / 100) + 3}`,
    });

    log("sync with nothing changed…");
    const nochange = await countedSync(admin, emulator, {});
    log(describeSync(nochange));
    results.push({ name: "notion.requests.nochange_sync", unit: "requests", value: nochange.received });
    notes.push({
      name: "notion.requests.nochange_sync",
      note: `right after the full sync, the emulator's clock ${BEHIND_MS / 60_000} min behind the Worker's (so no edit is young enough to be re-read; the steady state is \`notion.requests.nochange_sync.steady\`); the Worker's report says ${nochange.report.requests}; ${rowsOf(nochange.report)}`,
    });
    // From here on edits carry real timestamps, as the write-back's and the cron path's must to be read.
    emulator.setBehind(0);

    if (!smoke) {
      // Without an open request the sync object's background write-back stopped after about two minutes in workerd
      // (an idle Durable Object is evicted while its calls to the gate are pending): wait for it explicitly.
      log("the write-back of the first sync, through POST /admin/sync {wait: true} (Notion's 3 requests/s)…");
      const waited = await countedSync(admin, emulator, { wait: true });
      log(`  its sync: ${describeSync(waited)}`);
      const syncs = [nochange, waited].map((s) => [Date.parse(s.report.started_at), Date.parse(s.report.finished_at)]);
      const during = emulator
        .between(full.report.finished_at, waited.answeredAt)
        .filter((r) => !syncs.some(([from, to]) => r.at >= from! && r.at <= to!));
      const writeBackMs =
        waited.answeredAt - Date.parse(full.report.finished_at) - syncs.reduce((ms, [from, to]) => ms + to! - from!, 0);
      const patches = during.filter((r) => r.method === "PATCH" && r.status !== 429).length;
      const refused = during.filter((r) => r.status === 429).length;
      log(`  write-back: ${during.length} requests (${patches} page updates) in ${(writeBackMs / 1000).toFixed(1)} s`);
      results.push(
        { name: `notion.requests.full_sync_${rowCount}_writeback`, unit: "requests", value: during.length },
        { name: `notion.full_sync_${rowCount}_writeback_s`, unit: "s", value: seconds(writeBackMs) },
      );
      notes.push(
        {
          name: `notion.requests.full_sync_${rowCount}_writeback`,
          note: `Sync status on every row and the Tools catalog, after the sync answered: ${patches} page updates, ${refused} answered 429, ${during.length - patches - refused} other`,
        },
        {
          name: `notion.full_sync_${rowCount}_writeback_s`,
          note: "from the first sync's answer until the write-back is done, the two syncs in between excluded",
        },
      );

      // The next read starts from when the previous one began, less the edit margin: once a read has begun more than
      // the margin after the write-back's last edit, the write-back's edits are behind every later read.
      const settle = waited.answeredAt + EDIT_MARGIN_MS + SETTLE_MS - Date.now();
      log(`waiting ${(settle / 1000).toFixed(0)} s, past the sync's edit margin after the write-back's last edit…`);
      await sleep(Math.max(0, settle));
      log("the first sync after the write-back…");
      const after = await countedSync(admin, emulator, {});
      log(describeSync(after));
      results.push({ name: "notion.requests.sync_after_writeback", unit: "requests", value: after.received });
      notes.push({
        name: "notion.requests.sync_after_writeback",
        note: `re-reads the rows the write-back edited; ${rowsOf(after.report)}; the Worker's report says ${after.report.requests}`,
      });
      log("the steady state: a sync with nothing changed after the write-back, clocks in step…");
      const steady = await countedSync(admin, emulator, {});
      log(describeSync(steady));
      results.push({ name: "notion.requests.nochange_sync.steady", unit: "requests", value: steady.received });
      notes.push({
        name: "notion.requests.nochange_sync.steady",
        target: atMost(4, "requests (1 per data source)"),
        summary: "Notion requests, sync with nothing changed (steady state, after the write-back)",
        note: `received by Notion; the Worker's report says ${steady.report.requests}; ${rowsOf(steady.report)}`,
      });
    }

    log("the agent connects through the MCP SDK client…");
    agent = await connectAgent(worker.url, api_key);
    if (await agent.blocked()) throw new Error("the toggled policy blocks before any edit");

    log(`${webhookEdits} edit(s) as person:manager, effect through the webhook…`);
    const viaWebhook: number[] = [];
    for (let i = 0; i < webhookEdits; i++) {
      viaWebhook.push(await editToEffect(manager, toggledPageId, agent));
      log(`  edit ${i + 1}: ${viaWebhook.at(-1)!.toFixed(2)} s`);
      await sleep(500);
    }
    const webhookMedian = percentile(viaWebhook, 50);
    results.push(
      { name: "notion.edit_to_effect_s", unit: "s", value: round(webhookMedian) },
      { name: "notion.edit_to_effect_s.max", unit: "s", value: round(Math.max(...viaWebhook)) },
    );
    notes.push(
      {
        name: "notion.edit_to_effect_s",
        target: atMost(5, "s"),
        summary: "Notion edit to effect, through the webhook (median)",
        note: `median of ${viaWebhook.length} edits through the webhook: ${viaWebhook.map((s) => s.toFixed(2)).join(", ")} s`,
      },
      { name: "notion.edit_to_effect_s.max", target: atMost(5, "s") },
    );

    log(`${cronEdits} edit(s) with webhooks off, effect through the scheduled sync every ${TICK_MS / 1000} s…`);
    emulator.setDelivering(false);
    const scheduled = worker.scheduled;
    tick = setInterval(() => {
      ticking = scheduled().catch((error: unknown) => log(`scheduled run failed: ${String(error)}`));
    }, TICK_MS);
    const viaCron: number[] = [];
    for (let i = 0; i < cronEdits; i++) {
      // Edits land at a random point of the tick's period, as a manager's would.
      await sleep(Math.random() * TICK_MS);
      viaCron.push(await editToEffect(manager, toggledPageId, agent));
      log(`  edit ${i + 1}: ${viaCron.at(-1)!.toFixed(2)} s`);
    }
    results.push(
      { name: "notion.edit_to_effect_s.cron_only", unit: "s", value: round(percentile(viaCron, 50)) },
      { name: "notion.edit_to_effect_s.cron_only.max", unit: "s", value: round(Math.max(...viaCron)) },
    );
    notes.push({
      name: "notion.edit_to_effect_s.cron_only",
      note: `no webhook, the scheduled sync every ${TICK_MS / 1000} s (npm start's tick): ${viaCron.map((s) => s.toFixed(2)).join(", ")} s`,
    });

    const limited = emulator.emulator.rateLimit;
    facts.limited = limited.limited;
    facts.busiest = limited.busiestSecond;
    facts.total = emulator.requests.length;
    log(
      `Notion served ${limited.served} integration requests, refused ${limited.limited} with 429; busiest second ${limited.busiestSecond}`,
    );
    const start = emulator.requests[0]?.at ?? 0;
    for (const r of emulator.requests.filter((r) => r.status === 429))
      log(`  429 at +${((r.at - start) / 1000).toFixed(3)} s: ${r.method} ${r.path}`);
  } finally {
    if (tick) clearInterval(tick);
    await ticking;
    await agent?.close().catch(() => undefined);
    await worker?.stop();
    await emulator.close();
  }

  return {
    title: "Notion sync: requests and edit-to-effect time (notion.*)",
    results,
    notes,
    method: method(rowCount, facts),
  };
}

function method(rowCount: number, facts: Record<string, string | number>): string {
  return `The Worker is the production bundle (\`wrangler deploy --dry-run\`) in workerd through Miniflare, as the
overhead benchmark runs it, with local D1 and every Durable Object wrangler.toml binds
(bench/fixtures/frozen-worker.ts: the overhead fixture binds only the ledger's, and the sync needs the Notion gate's
and the sync's). It is built once: under \`wrangler dev\`, edits others made to src/ during the run rebuilt the
Worker and reset its Durable Objects mid-measurement. Vars: \`NOTION_API_URL\` (the emulator),
\`NOTION_TOKEN=secret_emulator\`, \`NOTION_WEBHOOK_SECRET=secret_emulator_webhook\`, \`ENVIRONMENT=local\`,
\`ADMIN_TOKEN\`. The Notion emulator runs in the benchmark's process (\`startEmulatorServer\`) with Notion's rate
limit of 3 requests/s per integration and a throwaway state file. Every request it receives with the integration's
token is logged with its arrival time, so the request counts are Notion's, not the Worker's: a sync's count is the
requests that arrived between its report's \`started_at\` and \`finished_at\` (the background write-back starts
after the one and a new sync only after the write-back gave way), with the Worker's own \`requests\` beside it.
Signed webhooks go to \`/webhooks/notion/<tenant>\` through the emulator's own sender, behind a switch.

As \`person:manager\` (people are not rate limited), \`setupNotion\` creates the six databases with their sample
rows (7 policies, 1 agent, 9 tools, 3 runbooks); then ${rowCount} valid Policies rows are added (compliance rows in
log mode on varied patterns over the demo tools, some with a CEL condition), and one block row for
\`crm.get_contact\`, Retired. A tenant with the demo hosts and an agent are created through the admin API and
connected with \`PUT /admin/notion\` (default 3 requests/s). \`POST /admin/sync {"full": true}\` is the full sync; it
answers before the write-back of Sync status values and the Tools catalog. A second \`POST /admin/sync\` right
after it is the sync with nothing changed. The incremental read asks for rows edited since the previous read began
minus a 2-minute margin, so until then the emulator's clock runs 10 minutes behind real time, which makes every
edit older than the margin without waiting; after it the clock runs on real time, so that the write-back's edits
and the cron path's carry real timestamps (with the clock behind, an incremental read would rightly not see them).
Full runs then measure the write-back with \`POST /admin/sync {"wait": true}\`, which answers only when it is done:
its requests are those after the first sync's answer, the two syncs in between excluded. Waiting is needed: left in
the background with no request reaching the sync's Durable Object, the write-back stopped after about two minutes
(about 370 of 1,020 values) and resumed only with the next sync. After the write-back is done, the benchmark waits
out the edit margin (${EDIT_MARGIN_MS / 60_000} minutes and ${SETTLE_MS / 1000} s), then one more sync follows, which re-reads once
every row the write-back touched (its read starts from the previous read's start, before the write-back ended): the
content hash drops them, but each 100 of them costs a query. The sync after that one is the steady state
(\`notion.requests.nochange_sync.steady\`): nothing changed, the emulator's clock in step with the Worker's, every
write-back edit older than the margin; it is the figure held to 4 requests. Smoke runs (\`--smoke\`: 150 rows,
one edit each way) skip the write-back and the syncs after it.

Edit to effect: an MCP client (the SDK's \`StreamableHTTPClientTransport\`, the agent's key) calls
\`crm.get_contact\` through the Worker every 50 ms after the manager sets the block row's Status to Active (or back
to Retired) in the emulator; the time runs from just before that edit is sent until a call shows the new decision.
The emulator sends the signed \`page.properties_updated\` webhook; the Worker verifies it and syncs that one page.
For comparison, webhooks are then turned off and the Worker's scheduled handler runs every 10 s (as \`npm start\`
ticks it; the deployed cron runs every minute, so there the wait is up to 60 s), each edit made at a random point of
that period.${facts.total === undefined ? "" : ` Over the whole run Notion received ${facts.total} integration requests, refused ${facts.limited} with 429, and served at most ${facts.busiest} in any second.`}`;
}

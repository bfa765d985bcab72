/**
 * Replay: the time to decide 100,000 recorded calls against a candidate snapshot of 1,000 rows and against the
 * snapshot in force (src/release/replay.ts), where the candidate changes a tenth of the rows' limits, so most
 * tools' rows differ between the two and nearly every call is decided twice; and the time from a manager's edit in
 * Notion (the local emulator) to its release page, beside the time to its effect on the next call.
 */
import { Client as NotionClient } from "@notionhq/client";
import type { DecisionInput } from "../src/db/decision-inputs";
import { pageProperties } from "../src/notion/page-properties";
import { setupNotion } from "../src/notion/setup";
import { TEMPLATES } from "../src/notion/templates";
import { compilePolicies, type PolicySnapshot } from "../src/policy/compile";
import type { DefaultPosture } from "../src/policy/types";
import { replay } from "../src/release/replay";
import { startFrozenWorker } from "./fixtures/frozen-worker";
import { INTEGRATION_TOKEN, startBenchEmulator } from "./fixtures/notion-emulator";
import { connectAgent, TOGGLED_POLICY } from "./fixtures/notion-policy-rows";
import { mulberry32 } from "./fixtures/random";
import { atMost, percentile, type BenchOptions, type BenchReport } from "./types";

const ROWS = 1_000;
const CALLS = 100_000;
const HOSTS = 50;
const TOOLS_PER_HOST = 10;
const AGENTS = 20;
const REGIONS = ["north", "south", "east", "west"];
/** Distinct requests in the repeating traffic. */
const DISTINCT = 2_000;
const ALL_ALLOW: DefaultPosture = { read_only: "allow", write: "allow", destructive: "hold", unannotated: "deny" };

/** 1,000 rows over 50 hosts of 10 tools: conditional blocks, regional pauses on a host, agent-scoped blocks, alerts. */
function rowsOf(seed: number, changedShare: number): Record<string, unknown>[] {
  const random = mulberry32(seed);
  const change = mulberry32(seed + 1);
  const pick = (count: number) => Math.floor(random() * count);
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < ROWS; i++) {
    const host = `h${pick(HOSTS)}`;
    const tool = `${host}.t${pick(TOOLS_PER_HOST)}`;
    const drawn = 1000 * (1 + pick(99));
    // The candidate lowers a tenth of the limits: those rows start to match calls they let through before.
    const limit = change() < changedShare ? Math.floor(drawn / 2) : drawn;
    const base = { Name: `Policy ${i}`, "Policy ID": `p${i}`, Status: "Active", Priority: pick(5) };
    const roll = random();
    if (roll < 0.4)
      rows.push({ ...base, Type: "block", Mode: "block", Tools: tool, Condition: `args.amount_cents > ${limit}` });
    else if (roll < 0.6)
      rows.push({
        ...base,
        Type: "approval",
        Mode: "pause",
        Tools: `${host}.*`,
        Condition: `args.region == "${REGIONS[pick(REGIONS.length)]}" && args.amount_cents > ${limit}`,
      });
    else if (roll < 0.8)
      rows.push({
        ...base,
        Type: "block",
        Mode: "block",
        Tools: tool,
        Agents: [`a${pick(AGENTS)}`],
        Condition: `args.amount_cents > ${limit}`,
      });
    else rows.push({ ...base, Type: "block", Mode: "alert", Tools: tool, Condition: `args.memo.contains("fraud")` });
  }
  return rows;
}

async function compiled(rows: Record<string, unknown>[]): Promise<PolicySnapshot> {
  const { snapshot, rejected } = await compilePolicies(rows, { posture: ALL_ALLOW });
  if (rejected.length > 0) throw new Error(`bench rows rejected: ${rejected[0]!.reason}`);
  return snapshot;
}

/** Recorded calls spread over every tool and agent; one in twenty has a redacted memo. */
function inputsOf(count: number): DecisionInput[] {
  const random = mulberry32(7);
  const pick = (n: number) => Math.floor(random() * n);
  return Array.from({ length: count }, (_, n) => {
    const tool = `h${pick(HOSTS)}.t${pick(TOOLS_PER_HOST)}`;
    const agent = `a${pick(AGENTS)}`;
    const redacted = n % 20 === 0;
    const at = new Date(Date.UTC(2026, 11, 1) + n * 1000).toISOString();
    return {
      tenant_id: "bench",
      invocation_id: `inv_${n}`,
      created_at: at,
      facts: {
        tool: { name: tool, host: tool.split(".")[0]!, annotations: { readOnlyHint: false, destructiveHint: false } },
        agent: { id: agent, name: agent, owner: null, scopes: [] },
        context: { user: null, workspace: null, correlation_id: null, session_id: null, run_id: null, now: at },
      },
      args: {
        amount_cents: 1000 * (1 + pick(99)),
        region: REGIONS[pick(REGIONS.length)]!,
        memo: redacted ? "call [REDACTED:phone]" : "refund",
      },
      redacted: redacted ? ["$.memo"] : [],
      args_hash: `sha256:${n}`,
      decision: "authorized",
      reason_code: "default_allow",
      snapshot: "sha256:bench",
    };
  });
}

/**
 * Recorded calls as polling and retrying agents leave them: `count` calls, each one of `distinct` requests (tool,
 * agent, arguments) made again at its own time, under its own invocation id.
 */
function repeatingInputsOf(count: number, distinct: number): DecisionInput[] {
  const requests = inputsOf(distinct);
  const random = mulberry32(11);
  return Array.from({ length: count }, (_, n) => {
    const request = requests[Math.floor(random() * distinct)]!;
    const at = new Date(Date.UTC(2026, 11, 1) + n * 1000).toISOString();
    const context = { ...request.facts.context, now: at };
    return { ...request, invocation_id: `inv_${n}`, created_at: at, facts: { ...request.facts, context } };
  });
}

/** Median wall and CPU seconds of `rounds` replays of `inputs`, each against freshly compiled snapshots. */
async function timedReplays(inputs: DecisionInput[], rounds: number) {
  const wall: number[] = [];
  const cpu: number[] = [];
  let last = replay(inputs.slice(0, 1000), await compiled(rowsOf(1, 0)), await compiled(rowsOf(1, 0.1)));
  for (let round = 0; round < rounds; round++) {
    // Fresh snapshots each round: their memoised candidate lists and indexes are paid inside the measured time.
    const before = await compiled(rowsOf(1, 0));
    const after = await compiled(rowsOf(1, 0.1));
    const cpuStarted = process.cpuUsage();
    const started = performance.now();
    last = replay(inputs, before, after);
    wall.push((performance.now() - started) / 1000);
    const used = process.cpuUsage(cpuStarted);
    cpu.push((used.user + used.system) / 1e6);
  }
  const median = (values: number[]) =>
    Number([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!.toFixed(3));
  return { wall: median(wall), cpu: median(cpu), last };
}

const WORKER_PORT = 18799;
const EMULATOR_PORT = 18800;
const ADMIN = "bench-admin-token";
const TENANT = "release-bench";
const POLL_MS = 50;
const PAGE_TIMEOUT_MS = 60_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A manager's edits in the local Notion emulator, each timed twice from just before it is sent: until the next MCP
 * call's decision shows it (today's path, through the webhook), and until its release's page is in the Releases
 * database (written at the start of the sync's write-back).
 */
async function editToReleasePage(edits: number, log: (line: string) => void) {
  const workerUrl = `http://127.0.0.1:${WORKER_PORT}`;
  const emulator = await startBenchEmulator({
    port: EMULATOR_PORT,
    webhookUrl: `${workerUrl}/webhooks/notion/${TENANT}`,
    log,
  });
  let worker: Awaited<ReturnType<typeof startFrozenWorker>> | undefined;
  let agent: Awaited<ReturnType<typeof connectAgent>> | undefined;
  try {
    log("building the Worker and starting it in workerd, wired to the Notion emulator…");
    worker = await startFrozenWorker({
      port: WORKER_PORT,
      vars: {
        ADMIN_TOKEN: ADMIN,
        ENVIRONMENT: "local",
        NOTION_API_URL: emulator.url,
        NOTION_TOKEN: INTEGRATION_TOKEN,
        NOTION_WEBHOOK_SECRET: "secret_emulator_webhook",
      },
    });
    const admin = async <T = unknown>(method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${worker!.url}/admin${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} /admin${path}: ${response.status} ${text}`);
      return JSON.parse(text) as T;
    };
    log("creating the databases with their sample rows and the toggled row as person:manager…");
    const manager = new NotionClient({ auth: "person:manager", baseUrl: emulator.url, logger: () => undefined });
    const databases = await setupNotion(manager, {
      parent_page_id: emulator.rootPageId,
      samples: true,
      log: () => undefined,
    });
    const ids = Object.fromEntries(databases.map((d) => [d.key, d.data_source_id]));
    const policies = TEMPLATES.find((t) => t.title === "Policies")!;
    const toggled = await manager.pages.create({
      parent: { type: "data_source_id", data_source_id: ids.policies! },
      properties: pageProperties(policies, TOGGLED_POLICY, new Map()).properties,
    });
    await admin("POST", "/tenants", { id: TENANT, name: "Release benchmark", demo_hosts: true });
    // Every edit goes live (its release recorded and paged): a held one would have no effect to time beside it.
    await admin("PUT", `/release-settings?tenant=${TENANT}`, { retention_days: 7, replay_days: 7, threshold_pct: 100 });
    const { api_key } = await admin<{ api_key: string }>("POST", `/agents?tenant=${TENANT}`, {
      name: "bench-agent",
      owner: "requester",
    });
    await admin("PUT", `/notion?tenant=${TENANT}`, { data_sources: ids });
    emulator.setDelivering(true);
    log("full sync and its write-back…");
    await admin("POST", `/sync?tenant=${TENANT}`, { full: true });
    await admin("POST", `/sync?tenant=${TENANT}`, { wait: true });

    agent = await connectAgent(worker.url, api_key);
    const { blocked } = agent;
    const releasePages = async () =>
      (await manager.dataSources.query({ data_source_id: ids.releases!, page_size: 100 })).results.length;

    const effect: number[] = [];
    const page: number[] = [];
    for (let i = 0; i < edits; i++) {
      const block = !(await blocked());
      const pagesBefore = await releasePages();
      const started = performance.now();
      await manager.pages.update({
        page_id: toggled.id,
        properties: { Status: { select: { name: block ? "Active" : "Retired" } } },
      });
      let effectS: number | undefined;
      let pageS: number | undefined;
      while (effectS === undefined || pageS === undefined) {
        const polled = performance.now();
        const elapsed = () => (performance.now() - started) / 1000;
        if (effectS === undefined && (await blocked()) === block) effectS = elapsed();
        if (pageS === undefined && (await releasePages()) > pagesBefore) pageS = elapsed();
        if (performance.now() - started > PAGE_TIMEOUT_MS)
          throw new Error(`edit ${i + 1}: no ${effectS === undefined ? "effect" : "release page"} within 60 s`);
        await sleep(Math.max(0, POLL_MS - (performance.now() - polled)));
      }
      effect.push(effectS);
      page.push(pageS);
      log(`  edit ${i + 1}: effect ${effectS.toFixed(2)} s, release page ${pageS.toFixed(2)} s`);
      await sleep(500);
    }
    return { effect, page };
  } finally {
    await agent?.close().catch(() => undefined);
    await worker?.stop();
    await emulator.close();
  }
}

export default async function releaseBench({ smoke, log }: BenchOptions): Promise<BenchReport> {
  const calls = smoke ? 10_000 : CALLS;
  const rounds = smoke ? 1 : 5;
  log(`replaying ${calls} recorded calls against ${ROWS}-row snapshots, ${rounds} rounds`);
  const spread = await timedReplays(inputsOf(calls), rounds);
  const { last } = spread;
  log(
    `replay: ${spread.wall.toFixed(3)} s (${spread.cpu.toFixed(3)} s of CPU); ${last.changed} changed, ${last.indeterminate} indeterminate of ${last.calls}`,
  );
  log(`replaying ${calls} recorded calls that repeat ${DISTINCT} distinct requests, ${rounds} rounds`);
  const repeating = await timedReplays(repeatingInputsOf(calls, DISTINCT), rounds);
  log(`replay of repeating calls: ${repeating.wall.toFixed(3)} s (${repeating.cpu.toFixed(3)} s of CPU)`);
  const edits = smoke ? 1 : 5;
  log(`${edits} edit(s) of a policy row in the Notion emulator, timed to their effect and to their release page…`);
  const timed = await editToReleasePage(edits, log);
  const median = (values: number[]) => Number(percentile(values, 50).toFixed(2));
  return {
    title: "Release checks: replaying recorded calls",
    results: [
      { name: "release.replay_100k_s", unit: "s", value: spread.wall },
      { name: "release.replay_100k_cpu_s", unit: "s", value: spread.cpu },
      { name: "release.replay_100k_changed", unit: "calls", value: last.changed },
      { name: "release.replay_100k_indeterminate", unit: "calls", value: last.indeterminate },
      { name: "release.replay_100k_repeating_s", unit: "s", value: repeating.wall },
      { name: "release.edit_to_release_page_s", unit: "s", value: median(timed.page) },
      { name: "release.edit_to_effect_s", unit: "s", value: median(timed.effect) },
    ],
    notes: [
      {
        name: "release.replay_100k_s",
        target: atMost(2, "s"),
        summary: "replay of 100,000 recorded calls against a 1,000-row candidate",
        note: "median of 5 rounds; each distinct request decided against both snapshots unless its tool's rows are the same in both (here nearly none repeats)",
      },
      {
        name: "release.replay_100k_cpu_s",
        note: "the CPU time of the same rounds (median): on a loaded machine the wall time also counts the waits for a core",
      },
      {
        name: "release.replay_100k_repeating_s",
        note: `the same replay over calls that repeat ${DISTINCT.toLocaleString("en-US")} distinct requests (tool, agent, arguments) at their own times, as polling and retrying agents leave them: each is decided once per snapshot`,
      },
      {
        name: "release.edit_to_release_page_s",
        summary: "Notion edit to its release page (median)",
        note: `a manager's Status edit in the local Notion emulator until its release's page is in the Releases database (the webhook's sync records the release; its write-back writes the page first), median of ${timed.page.length}: ${timed.page.map((s) => s.toFixed(2)).join(", ")} s`,
      },
      {
        name: "release.edit_to_effect_s",
        note: `the same edits until the next MCP call's decision shows them (today's path, as notion.edit_to_effect_s), median of ${timed.effect.length}: ${timed.effect.map((s) => s.toFixed(2)).join(", ")} s`,
      },
    ],
    method: `\`replay()\` (src/release/replay.ts) over ${CALLS.toLocaleString("en-US")} synthetic recorded calls spread over ${HOSTS * TOOLS_PER_HOST} tools and ${AGENTS} agents, against a ${ROWS.toLocaleString("en-US")}-row snapshot in force and a candidate that halves a tenth of the rows' limits (so most tools' rows differ and nearly every call is decided twice); one call in twenty carries a redacted field. Both snapshots are compiled fresh each round and their lazily built candidate lists and indexes are paid inside the measured time; reading the inputs from D1 is not included. Wall and CPU time are both given: under load the first exceeds the second by the waits for a core. The edit figures: the production bundle in workerd (Miniflare, local D1) wired to the local Notion emulator with webhooks delivered, the seven databases with their sample rows plus one toggled block row, a 100% replay threshold so every edit goes live; each edit flips the row's Status as the manager, then the agent's MCP call and a query of the Releases database are polled (every 50 ms, one after the other) until each shows it.`,
  };
}

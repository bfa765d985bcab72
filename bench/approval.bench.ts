/**
 * Approvals: the time from an approver's Decision edit in Notion to the agent's retry being authorized, through the
 * webhook (the fast path) and with polling only (the cron's backstop), measured with the real MCP client and
 * @notionhq/client against the Notion emulator at Notion's 3 requests/s.
 */
import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Client as NotionClient } from "@notionhq/client";
import { setupNotion } from "../src/notion/setup";
import { startFrozenWorker } from "./fixtures/frozen-worker";
import { INTEGRATION_TOKEN, startBenchEmulator } from "./fixtures/notion-emulator";
import { startUpstream } from "./fixtures/upstream-server";
import {
  atMost,
  exactly,
  percentile,
  type BenchNote,
  type BenchOptions,
  type BenchReport,
  type BenchResult,
} from "./types";

const WORKER_PORT = 18793;
const EMULATOR_PORT = 18794;
const UPSTREAM_PORT = 18789;
const ADMIN = "bench-admin-token";
const TENANT = "approval-bench";
/** The local stand-in for the cron trigger's period (the deployed cron runs every minute). */
const TICK_MS = 10_000;
/** How often the waiting agent asks governance.escalation_status. */
const POLL_MS = 50;
const STEP_TIMEOUT_MS = 60_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const round = (n: number) => Number(n.toFixed(2));

interface Outcome {
  outcome: string;
  escalation_id: string | null;
  data: { status?: string } | null;
  denial: { code: string } | null;
}

/** Calls `read` until `done` holds; throws after STEP_TIMEOUT_MS naming `what`. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const started = performance.now();
  for (;;) {
    const polled = performance.now();
    const value = await read();
    if (done(value)) return value;
    if (performance.now() - started > STEP_TIMEOUT_MS) throw new Error(`timed out waiting for ${what}`);
    await sleep(Math.max(0, POLL_MS - (performance.now() - polled)));
  }
}

export default async function approvalBench({ smoke, log }: BenchOptions): Promise<BenchReport> {
  const webhookRuns = smoke ? 1 : 7;
  const pollRuns = smoke ? 1 : 5;
  const workerUrl = `http://127.0.0.1:${WORKER_PORT}`;
  const emulator = await startBenchEmulator({
    port: EMULATOR_PORT,
    webhookUrl: `${workerUrl}/webhooks/notion/${TENANT}`,
    log,
  });
  // The host the approved calls run on, in this process: it counts what it ran, independently of Policy OS.
  const upstream = await startUpstream(UPSTREAM_PORT);
  const results: BenchResult[] = [];
  const notes: BenchNote[] = [];
  let worker: Awaited<ReturnType<typeof startFrozenWorker>> | undefined;
  let agent: McpClient | undefined;
  let tick: NodeJS.Timeout | undefined;
  let ticking: Promise<void> = Promise.resolve();
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
    const admin = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${worker!.url}/admin${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const answer = (await response.json()) as any;
      if (!response.ok) throw new Error(`${method} /admin${path}: ${response.status} ${JSON.stringify(answer)}`);
      return answer;
    };

    log("creating the databases with their sample rows as person:manager and connecting a tenant…");
    const manager = new NotionClient({ auth: "person:manager", baseUrl: emulator.url, logger: () => undefined });
    const databases = await setupNotion(manager, {
      parent_page_id: emulator.rootPageId,
      samples: true,
      log: () => undefined,
    });
    const ids = Object.fromEntries(databases.map((d) => [d.key, d.data_source_id]));
    await manager.pages.create({
      parent: { data_source_id: ids.policies! },
      properties: {
        Name: { title: [{ text: { content: "Order notes need a manager (benchmark)" } }] },
        "Policy ID": { rich_text: [{ text: { content: "order-notes-need-manager" } }] },
        Type: { select: { name: "approval" } },
        Mode: { select: { name: "pause" } },
        Status: { select: { name: "Active" } },
        Tools: { rich_text: [{ text: { content: "orders.update_order" } }] },
        Approvers: { multi_select: [{ name: "manager" }] },
        "Reason code": { rich_text: [{ text: { content: "order_note_needs_manager" } }] },
      },
    });
    await admin("POST", "/tenants", { id: TENANT, name: "Approval benchmark", demo_hosts: true });
    await admin("POST", `/hosts?tenant=${TENANT}`, { id: "orders", url: upstream.url });
    const { api_key } = await admin("POST", `/agents?tenant=${TENANT}`, { name: "bench-agent", owner: "requester" });
    await admin("PUT", `/notion?tenant=${TENANT}`, { data_sources: ids });
    await admin("POST", `/sync?tenant=${TENANT}`, { full: true });

    agent = new McpClient({ name: "policy-os-approval-bench", version: "1.0.0" });
    await agent.connect(
      new StreamableHTTPClientTransport(new URL(`${worker.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${api_key}` } },
      }),
    );
    const call = async (name: string, args: Record<string, unknown>) =>
      (await agent!.callTool({ name, arguments: args })).structuredContent as unknown as Outcome;
    let edit = 0;
    /** How many times the host ran the call carrying `note`, by the host's own count. */
    const ranAtHost = (note: string) => upstream.received.filter((c) => c.note === note).length;

    /**
     * One approval: a contact edit is held; once its page exists, the manager sets Decision to Approved; the agent
     * asks governance.escalation_status every 50 ms and retries the call once it says approved. Returns the seconds
     * from just before the edit was sent until the retry's answer says it ran.
     */
    const approvalToRun = async (beforeEdit?: () => Promise<void>) => {
      const change = { order_id: "ord_42", note: `approval benchmark ${++edit}` };
      const held = await call("orders.update_order", change);
      if (held.outcome !== "pending_approval" || !held.escalation_id)
        throw new Error(`the order note was not held: ${JSON.stringify(held).slice(0, 300)}`);
      if (ranAtHost(change.note) !== 0) throw new Error(`the host ran the held call before its approval`);
      const escalation_id = held.escalation_id;
      const page = await until(
        async () =>
          (
            await manager.dataSources.query({
              data_source_id: ids.approvals!,
              filter: { property: "Escalation ID", rich_text: { equals: escalation_id } },
            })
          ).results[0],
        (found) => found !== undefined,
        `the approval page of ${escalation_id}`,
      );
      await beforeEdit?.();
      const started = performance.now();
      await manager.pages.update({ page_id: page!.id, properties: { Decision: { select: { name: "Approved" } } } });
      await until(
        async () => (await call("governance.escalation_status", { escalation_id })).data?.status,
        (status) => status === "approved",
        `the approval of ${escalation_id}`,
      );
      const retry = await call("orders.update_order", change);
      const seconds = (performance.now() - started) / 1000;
      if (retry.outcome !== "succeeded")
        throw new Error(`the approved retry did not run: ${JSON.stringify(retry).slice(0, 600)}`);
      const runs = ranAtHost(change.note);
      if (runs !== 1) throw new Error(`the host ran the approved call ${runs} times, not once`);
      return seconds;
    };

    // Polling first: the poll waits for webhooks only once a tenant has received one.
    log(`${pollRuns} approval(s) with webhooks off, taken by the scheduled poll every ${TICK_MS / 1000} s…`);
    const scheduled = worker.scheduled;
    tick = setInterval(() => {
      ticking = scheduled().catch((error: unknown) => log(`scheduled run failed: ${String(error)}`));
    }, TICK_MS);
    const viaPoll: number[] = [];
    for (let i = 0; i < pollRuns; i++) {
      // Each edit lands at a random point of the tick's period, as an approver's would.
      viaPoll.push(await approvalToRun(() => sleep(Math.random() * TICK_MS)));
      log(`  approval ${i + 1}: ${viaPoll.at(-1)!.toFixed(2)} s`);
    }
    clearInterval(tick);
    tick = undefined;
    await ticking;

    log(`${webhookRuns} approval(s) through the webhook…`);
    emulator.setDelivering(true);
    const viaWebhook: number[] = [];
    for (let i = 0; i < webhookRuns; i++) {
      viaWebhook.push(await approvalToRun());
      log(`  approval ${i + 1}: ${viaWebhook.at(-1)!.toFixed(2)} s`);
    }

    // Every approval ran exactly once at the host, and nothing else ran there.
    const approvals = viaPoll.length + viaWebhook.length;
    const executions = upstream.received.length;
    if (executions !== approvals) throw new Error(`the host ran ${executions} calls for ${approvals} approvals`);
    const webhookMedian = percentile(viaWebhook, 50);
    const webhookMax = Math.max(...viaWebhook);
    const pollMedian = percentile(viaPoll, 50);
    const pollMax = Math.max(...viaPoll);
    results.push(
      { name: "approval.webhook_to_authorized_s", unit: "s", value: round(webhookMedian) },
      { name: "approval.webhook_to_authorized_s.max", unit: "s", value: round(webhookMax) },
      { name: "approval.poll_to_authorized_s", unit: "s", value: round(pollMedian) },
      { name: "approval.poll_to_authorized_s.max", unit: "s", value: round(pollMax) },
      { name: "approval.host_executions", unit: "runs", value: executions },
    );
    notes.push(
      {
        name: "approval.webhook_to_authorized_s",
        target: atMost(2, "s"),
        summary: "Decision edit in Notion → the agent's retry authorized, through the webhook (median)",
        note: `median of ${viaWebhook.length}: ${viaWebhook.map((s) => s.toFixed(2)).join(", ")} s`,
      },
      { name: "approval.webhook_to_authorized_s.max", target: atMost(2, "s") },
      {
        name: "approval.poll_to_authorized_s",
        target: { text: `≤ one poll period (${TICK_MS / 1000} s here)`, holds: (s) => s <= TICK_MS / 1000 },
        summary: "Decision edit in Notion → the agent's retry authorized, polling only (median)",
        note: `median of ${viaPoll.length}, webhooks off, the scheduled handler every ${TICK_MS / 1000} s: ${viaPoll.map((s) => s.toFixed(2)).join(", ")} s`,
      },
      {
        name: "approval.poll_to_authorized_s.max",
        target: { text: `≤ one poll period (${TICK_MS / 1000} s here)`, holds: (s) => s <= TICK_MS / 1000 },
      },
      {
        name: "approval.host_executions",
        target: exactly(approvals, "runs (one per approval)"),
        note: `counted by the host itself; each approved call ran once, after its approval (the bench fails otherwise)`,
      },
    );
    const limited = emulator.emulator.rateLimit;
    log(`Notion served ${limited.served} integration requests, refused ${limited.limited} with 429`);
  } finally {
    if (tick) clearInterval(tick);
    await ticking;
    await agent?.close().catch(() => undefined);
    await worker?.stop();
    await emulator.close();
    await upstream.close();
  }
  return {
    title: "Approvals: Decision edit in Notion to the agent's authorized retry (approval.*)",
    results,
    notes,
    method: `The Worker is the production bundle in workerd through Miniflare with local D1 and every Durable Object
(bench/fixtures/frozen-worker.ts), wired to the Notion emulator running in the benchmark's process at Notion's 3
requests/s per integration (bench/fixtures/notion-emulator.ts). \`setupNotion\` creates the six databases with their
sample rows as \`person:manager\`, adds a policy holding every \`orders.update_order\` for the manager's approval,
and a tenant with the demo hosts, an upstream MCP server in this process registered as host \`orders\`
(bench/fixtures/upstream-server.ts) and an agent (owner \`requester\`) is connected with \`PUT /admin/notion\` at the
default 3 requests/s and synced. Each approval: the agent (the MCP SDK client with its key) asks to add a note to an
order, which is held; once its page exists in the Approvals database, \`person:manager\` sets Decision to Approved
through @notionhq/client; the agent calls \`governance.escalation_status\` every ${POLL_MS} ms and, once it says
approved, retries the call. The time runs from just before the Decision edit is sent until the retry's answer says
the call ran, so it includes the webhook's delivery, its verification, the decision intake (reading the page, the approver and the workspace's people through the gate at 3 requests/s),
the agent's polling interval and the retry itself. With polling only, webhooks are off (and the tenant has never
received one, so the poll does not leave young decisions to the webhook) and the Worker's scheduled handler runs
every ${TICK_MS / 1000} s as \`npm start\` ticks it (the deployed cron runs every minute), the edit made at a random
point of that period; the poll attributes the decision to the page's last editor, since nothing else on the page
changed. The poll's own work after a tick (the query, the page and its editor, the ledger) takes 1 to 3 s at 3
requests/s, so an edit made just after a tick can wait a little over one period. The host counts what it ran: each
held call must not have run before its approval and must have run exactly once after its retry, and the host must
have run nothing else (\`approval.host_executions\` equals the approvals), or the benchmark fails. Smoke runs
(\`--smoke\`) make one approval each way.`,
  };
}

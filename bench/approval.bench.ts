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
import { percentile, type BenchNote, type BenchOptions, type BenchReport, type BenchResult } from "./types";

const WORKER_PORT = 18793;
const EMULATOR_PORT = 18794;
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
    const ids = Object.fromEntries(databases.map((d) => [d.title.toLowerCase(), d.data_source_id]));
    // Refunds run out of refundable balance after a few approvals; contact edits can be approved without end.
    await manager.pages.create({
      parent: { data_source_id: ids.policies! },
      properties: {
        Name: { title: [{ text: { content: "Contact edits need a manager (benchmark)" } }] },
        "Policy ID": { rich_text: [{ text: { content: "contact-edits-need-manager" } }] },
        Type: { select: { name: "approval" } },
        Mode: { select: { name: "pause" } },
        Status: { select: { name: "Active" } },
        Tools: { rich_text: [{ text: { content: "crm.update_contact" } }] },
        Approvers: { multi_select: [{ name: "manager" }] },
        "Reason code": { rich_text: [{ text: { content: "contact_edit_needs_manager" } }] },
      },
    });
    await admin("POST", "/tenants", { id: TENANT, name: "Approval benchmark", demo_hosts: true });
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

    /**
     * One approval: a contact edit is held; once its page exists, the manager sets Decision to Approved; the agent
     * asks governance.escalation_status every 50 ms and retries the call once it says approved. Returns the seconds
     * from just before the edit was sent until the retry's answer says it ran.
     */
    const approvalToRun = async (beforeEdit?: () => Promise<void>) => {
      const change = { contact_id: "con_002", fields: { notes: `approval benchmark ${++edit}` } };
      const held = await call("crm.update_contact", change);
      if (held.outcome !== "pending_approval" || !held.escalation_id)
        throw new Error(`the contact edit was not held: ${JSON.stringify(held).slice(0, 300)}`);
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
      const retry = await call("crm.update_contact", change);
      const seconds = (performance.now() - started) / 1000;
      if (retry.outcome !== "succeeded")
        throw new Error(`the approved retry did not run: ${JSON.stringify(retry).slice(0, 600)}`);
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

    const webhookMedian = percentile(viaWebhook, 50);
    const webhookMax = Math.max(...viaWebhook);
    const pollMedian = percentile(viaPoll, 50);
    const pollMax = Math.max(...viaPoll);
    results.push(
      { name: "approval.webhook_to_authorized_s", unit: "s", value: round(webhookMedian) },
      { name: "approval.webhook_to_authorized_s.max", unit: "s", value: round(webhookMax) },
      { name: "approval.poll_to_authorized_s", unit: "s", value: round(pollMedian) },
      { name: "approval.poll_to_authorized_s.max", unit: "s", value: round(pollMax) },
    );
    notes.push(
      {
        name: "approval.webhook_to_authorized_s",
        target: "≤ 2 s",
        met: webhookMedian <= 2,
        note: `median of ${viaWebhook.length}: ${viaWebhook.map((s) => s.toFixed(2)).join(", ")} s`,
      },
      { name: "approval.webhook_to_authorized_s.max", target: "≤ 2 s", met: webhookMax <= 2 },
      {
        name: "approval.poll_to_authorized_s",
        target: `≤ one poll period (${TICK_MS / 1000} s here)`,
        met: pollMedian <= TICK_MS / 1000,
        note: `median of ${viaPoll.length}, webhooks off, the scheduled handler every ${TICK_MS / 1000} s: ${viaPoll.map((s) => s.toFixed(2)).join(", ")} s`,
      },
      {
        name: "approval.poll_to_authorized_s.max",
        target: `≤ one poll period (${TICK_MS / 1000} s here)`,
        met: pollMax <= TICK_MS / 1000,
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
  }
  return {
    title: "Approvals: Decision edit in Notion to the agent's authorized retry (approval.*)",
    results,
    notes,
    method: `The Worker is the production bundle in workerd through Miniflare with local D1 and every Durable Object
(bench/fixtures/frozen-worker.ts), wired to the Notion emulator running in the benchmark's process at Notion's 3
requests/s per integration (bench/fixtures/notion-emulator.ts). \`setupNotion\` creates the six databases with their
sample rows as \`person:manager\`, adds a policy holding every \`crm.update_contact\` for the manager's approval (a
refund would run out of the demo customer's refundable balance after two approvals), and a tenant with the demo hosts
and an agent (owner \`requester\`) is connected with \`PUT /admin/notion\` at the default 3 requests/s and synced.
Each approval: the agent (the MCP SDK client with its key) asks to change a contact's notes, which is held; once its
page exists in the Approvals database, \`person:manager\` sets Decision to Approved through @notionhq/client; the
agent calls \`governance.escalation_status\` every ${POLL_MS} ms and, once it says approved, retries the edit. The
time runs from just before the Decision edit is sent until the retry's answer says the edit ran (the approval authorized it and the adapter ran once), so it includes the webhook's delivery, its verification,
the decision intake (reading the page, the approver and the workspace's people through the gate at 3 requests/s),
the agent's polling interval and the retry itself. With polling only, webhooks are off (and the tenant has never
received one, so the poll does not leave young decisions to the webhook) and the Worker's scheduled handler runs
every ${TICK_MS / 1000} s as \`npm start\` ticks it (the deployed cron runs every minute), the edit made at a random
point of that period; the poll attributes the decision to the page's last editor, since nothing else on the page
changed. The poll's own work after a tick (the query, the page and its editor, the ledger) takes 1 to 3 s at 3
requests/s, so an edit made just after a tick can wait a little over one period. Smoke runs (\`--smoke\`) make
one approval each way.`,
  };
}

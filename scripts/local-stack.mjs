// What `npm start` runs, started in a temporary folder for a script that plays a story against it: the Worker under
// wrangler dev (local D1 and Durable Objects) and, for the emulator, the local Notion emulator sending it signed
// webhooks; or the Worker alone against real Notion. Used by the browser demo and `npm run test:notion-live`.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startEmulatorProcess } from "../emulator/node/spawn.mjs";
import { startLocalWorker } from "./local-worker.mjs";

const TENANT = "demo";

/**
 * Starts the Worker (and the emulator unless `realNotion` gives a token) and seeds the demo tenant. With `webhooks:
 * false` the emulator sends none, so edits reach the Worker by its sync and poll only, as from real Notion to a
 * Worker on 127.0.0.1 (where webhooks never arrive). `setup(parent)`
 * then runs `policy-os notion setup --samples --connect` under that page and returns the data source ids;
 * `agent()` connects an MCP client as the demo agent; `stop()` ends everything and removes the folder.
 * @param {{ workerPort: number, emulatorPort?: number, realNotion?: { token: string }, webhooks?: boolean }} options
 */
export async function startStack({ workerPort, emulatorPort, realNotion, webhooks = true }) {
  const dir = await mkdtemp(join(tmpdir(), "policy-os-stack-"));
  const emulator = realNotion
    ? undefined
    : await startEmulatorProcess({
        port: emulatorPort,
        file: join(dir, "notion", "state.json"),
        webhookUrl: webhooks ? `http://127.0.0.1:${workerPort}/webhooks/notion/${TENANT}` : undefined,
        onLine: () => {},
      });
  const notionUrl = emulator?.url ?? "https://api.notion.com";
  const notionToken = realNotion?.token ?? "secret_emulator";
  const worker = await startLocalWorker({
    port: workerPort,
    persistTo: dir,
    quiet: true,
    vars: emulator
      ? { NOTION_API_URL: emulator.url, NOTION_TOKEN: notionToken, NOTION_WEBHOOK_SECRET: "secret_emulator_webhook" }
      : { NOTION_TOKEN: notionToken },
  }).catch(async (error) => {
    await emulator?.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  const clients = [];

  /** One admin API call as this Worker's admin: its status and JSON body. */
  async function admin(method, path, body) {
    const response = await fetch(`${worker.url}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${worker.adminToken}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  const stack = {
    tenant: TENANT,
    worker,
    emulator,
    notionUrl,
    notionToken,
    admin,
    /** Runs `policy-os notion setup --samples --connect` under `parent`; the ids of its data sources. */
    async setup(parent) {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          "scripts/policy-os.mjs",
          ...["notion", "setup", "--url", notionUrl, "--parent", parent, "--samples", "--json"],
          ...["--connect", worker.url, "--tenant", TENANT],
          ...(emulator && webhooks ? [] : ["--webhook-secret", "none"]),
        ],
        { encoding: "utf8", env: { ...process.env, ADMIN_TOKEN: worker.adminToken, NOTION_TOKEN: notionToken } },
      );
      return JSON.parse(stdout);
    },
    /** An MCP client connected as the demo agent; `call(name, args)` answers its outcome and the text it reads. */
    async agent() {
      const client = new Client({ name: "policy-os-story-agent", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${worker.url}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${worker.demoAgentKey}` } },
        }),
      );
      clients.push(client);
      return {
        async call(name, args) {
          const result = await client.callTool({ name, arguments: args });
          return { ...result.structuredContent, text: result.content?.[0]?.text ?? "" };
        },
      };
    },
    /** One run of the Worker's cron (the sync, the decision poll, the sweeps), as wrangler dev runs it on request. */
    async tick() {
      const response = await fetch(`${worker.url}/cdn-cgi/handler/scheduled`);
      if (!response.ok) throw new Error(`the scheduled run failed: ${response.status} ${await response.text()}`);
    },
    async stop() {
      for (const client of clients) await client.close().catch(() => undefined);
      await worker.stop();
      await emulator?.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  const seeded = await admin("POST", "/seed");
  if (seeded.status !== 200) {
    await stack.stop();
    throw new Error(`seeding the demo tenant failed: ${seeded.status} ${JSON.stringify(seeded.body)}`);
  }
  return stack;
}

/** Polls `read` every `everyMs` until `done` holds or `ms` passes; returns the last value. */
export async function until(read, done, ms = 15_000, everyMs = 250) {
  const started = Date.now();
  let value = await read();
  while (!done(value) && Date.now() - started < ms) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    value = await read();
  }
  return value;
}

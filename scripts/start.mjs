#!/usr/bin/env node
// npm start: the whole loop locally. Without NOTION_TOKEN it runs offline: the local Notion emulator, the Worker
// under wrangler dev (local D1 and Durable Objects) wired to it, the demo tenant, the Notion databases with sample
// rows, and a Notion sync every 10 seconds. With NOTION_TOKEN (and NOTION_PARENT_PAGE_ID) it uses real Notion.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Client } from "@notionhq/client";
import { portIsFree, startEmulatorProcess } from "../emulator/node/spawn.mjs";
import { childFailure, localCredentials, portFromEnv, startLocalWorker } from "./local-worker.mjs";

const EMULATOR_FILE = ".notion-emulator/state.json";
const TENANT = "demo";
const TICK_MS = 10_000;

const { adminToken, demoAgentKey: demoKey } = localCredentials();
const realNotion = Boolean(process.env.NOTION_TOKEN);
const log = (line) => console.log(`[policy-os] ${line}`);
/** The children started so far, stopped newest first on the way out. */
const running = [];
let stopping = false;

for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => void stop(0));
main().catch((error) => {
  console.error(`[policy-os] ${error.message}`);
  return stop(1);
});

async function stop(code) {
  stopping = true;
  for (const child of running.splice(0).reverse()) await child.stop();
  process.exit(code);
}

async function main() {
  const port = portFromEnv("PORT", 8787);
  if (realNotion && !process.env.NOTION_PARENT_PAGE_ID)
    throw new Error(
      "NOTION_TOKEN is set: also set NOTION_PARENT_PAGE_ID to the id of a Notion page shared with the integration (the databases go under it)",
    );
  if (!(await portIsFree(port))) throw new Error(`port ${port} is already in use; stop what runs there or set PORT`);

  const notion = realNotion ? realNotionSettings() : await startEmulator(port);
  const worker = await startLocalWorker({
    port,
    vars: { ADMIN_TOKEN: adminToken, DEMO_AGENT_KEY: demoKey, ...notion.vars, ...claudeVars() },
    onLog: log,
  });
  running.push({ name: "wrangler dev", ...worker });

  const seeded = await fetch(`${worker.url}/admin/seed`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}` },
  });
  if (!seeded.ok) throw new Error(`seeding the demo tenant failed: ${seeded.status} ${await seeded.text()}`);
  const seed = await seeded.json();

  log(`setting up the Notion databases under page ${notion.parent} (${notion.url}) and connecting tenant ${TENANT}…`);
  const ids = await notionSetup(
    [
      ...["--url", notion.url, "--parent", notion.parent],
      ...(notion.samples ? ["--samples"] : []),
      ...(notion.vars.NOTION_WEBHOOK_SECRET ? [] : ["--webhook-secret", "none"]),
      ...["--connect", worker.url, "--tenant", TENANT, "--json"],
    ],
    notion.vars.NOTION_TOKEN,
  );
  const tick = tickScheduled(worker.url);

  const cli = port === 8787 ? "npx policy-os" : `POLICY_OS_URL=${worker.url} npx policy-os`;
  console.log(`
Policy OS is running (local dev: local D1 and Durable Objects under .wrangler/state).

  MCP endpoint   ${worker.url}/mcp        (Streamable HTTP, stateless)
  Demo agent     Authorization: Bearer ${demoKey}${process.env.DEMO_AGENT_KEY ? "" : "   (default; set DEMO_AGENT_KEY to change)"}
  Admin API      ${worker.url}/admin      Authorization: Bearer ${process.env.ADMIN_TOKEN ? "<your ADMIN_TOKEN>" : `${adminToken}   (default; set ADMIN_TOKEN to change)`}
  Demo tenant    ${seed.tenant}: demo hosts payments, crm, serviceops; ${seed.policies_seeded ? `${seed.policies_seeded} sample policies seeded` : "existing policies kept"}
  Claude         ${process.env.ANTHROPIC_API_KEY ? `writes approval summaries and the digest narrative (${process.env.CLAUDE_MODEL || "claude-sonnet-5-5"})` : "no ANTHROPIC_API_KEY: approval summaries and digests are written from templates"}

${realNotion ? realNotionBanner(notion) : await emulatorBanner(notion, ids)}

Connect an MCP client:
  Claude Code     claude mcp add --transport http policy-os ${worker.url}/mcp --header "Authorization: Bearer ${demoKey}"
  MCP Inspector   npx @modelcontextprotocol/inspector   (Transport: Streamable HTTP, URL ${worker.url}/mcp, header above)

Try the admin CLI in another terminal:
  ${cli} audit        ${cli} ledger verify        ${cli} digest        ${cli} --help

Press Ctrl+C to stop.`);

  // Either child ending on its own ends the loop: stop the other one too.
  const ended = await Promise.race(running.map((child) => child.exited.then((code) => ({ code, name: child.name }))));
  clearInterval(tick);
  if (stopping) return;
  log(`${ended.name} stopped (code ${ended.code}); stopping`);
  await stop(ended.code || 1);
}

/** The Claude settings in the shell, handed to the Worker (without ANTHROPIC_API_KEY, pages use templates). */
function claudeVars() {
  const names = [
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "CLAUDE_MODEL",
    "CLAUDE_PRICE_PER_MTOK",
    "CLAUDE_TIMEOUT_MS",
  ];
  return Object.fromEntries(names.filter((name) => process.env[name]).map((name) => [name, process.env[name]]));
}

function realNotionSettings() {
  const vars = { NOTION_TOKEN: process.env.NOTION_TOKEN };
  if (process.env.NOTION_WEBHOOK_SECRET) vars.NOTION_WEBHOOK_SECRET = process.env.NOTION_WEBHOOK_SECRET;
  return {
    url: "https://api.notion.com",
    parent: process.env.NOTION_PARENT_PAGE_ID,
    samples: process.env.NOTION_SAMPLES === "1",
    vars,
  };
}

/** Starts the Notion emulator, which sends its webhooks to the Worker on `workerPort`. */
async function startEmulator(workerPort) {
  const emulatorPort = portFromEnv("NOTION_EMULATOR_PORT", 8788);
  if (!(await portIsFree(emulatorPort)))
    throw new Error(
      `the Notion emulator's port ${emulatorPort} is already in use (another \`npm start\` or \`npm run notion-emulator\`?); stop it or set NOTION_EMULATOR_PORT`,
    );
  log(`starting the Notion emulator on port ${emulatorPort} (data in ${EMULATOR_FILE})…`);
  const emulator = await startEmulatorProcess({
    port: emulatorPort,
    file: EMULATOR_FILE,
    webhookUrl: `http://127.0.0.1:${workerPort}/webhooks/notion/${TENANT}`,
    onLine: (line) => console.error(`[notion-emulator] ${line}`),
  });
  running.push({ name: "the Notion emulator", ...emulator });
  return {
    url: emulator.url,
    parent: emulator.rootPageId,
    samples: true,
    vars: {
      NOTION_API_URL: emulator.url,
      NOTION_TOKEN: "secret_emulator",
      NOTION_WEBHOOK_SECRET: "secret_emulator_webhook",
    },
  };
}

/**
 * Runs `policy-os notion setup` (the CLI's own script) with `--json`, as the Worker's admin and with the Notion token
 * the Worker was given: its progress is shown, its ids returned. A failure names its reason and the setup's stderr.
 */
async function notionSetup(args, notionToken) {
  const script = fileURLToPath(new URL("./notion-setup.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    env: { ...process.env, ADMIN_TOKEN: adminToken, NOTION_TOKEN: notionToken },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-8000)));
  createInterface({ input: child.stderr }).on("line", (line) => line.trim() && console.log(`[notion] ${line}`));
  // "close", not "exit": only then has every line of stderr been read.
  const ending = await new Promise((resolve) => {
    child.once("error", (error) => resolve({ error }));
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  if (ending.error || ending.code !== 0) throw new Error(childFailure("the Notion setup", { ...ending, stderr }));
  try {
    return JSON.parse(stdout);
  } catch (error) {
    throw new Error(
      `the Notion setup printed no ids (${error.message}): ${stdout.slice(0, 300) || "its stdout was empty"}`,
      { cause: error },
    );
  }
}

/** The local stand-in for the cron trigger, which wrangler dev does not run by itself; quiet unless it fails. */
function tickScheduled(workerUrl) {
  let lastFailure = "";
  return setInterval(async () => {
    let failure = "";
    try {
      const response = await fetch(`${workerUrl}/cdn-cgi/handler/scheduled`);
      if (!response.ok) failure = `${response.status} ${(await response.text()).slice(0, 300)}`;
    } catch (error) {
      failure = error.cause?.code ?? error.message;
    }
    if (failure && failure !== lastFailure && !stopping) log(`the scheduled Notion sync failed: ${failure}`);
    lastFailure = failure;
  }, TICK_MS);
}

function realNotionBanner(notion) {
  return `Notion (real: ${notion.url})
  Databases      under page ${notion.parent}; tenant ${TENANT} is connected
  Sync           every 10 s; Notion's webhooks cannot reach 127.0.0.1, so edits arrive by the sync only`;
}

async function emulatorBanner(notion, ids) {
  return `Notion (offline: the local emulator, data in ${EMULATOR_FILE})
  Workspace      ${notion.url}/   open it in a browser: the databases, approval pages and edits as the manager, ops or the requester
  Notion API     ${notion.url}   token secret_emulator; "Authorization: Bearer person:manager" (or ops, requester) acts as that person
  Databases      Policies, Agents, Tools, Runbooks, Approvals, Digests under page ${notion.parent}; tenant ${TENANT} is connected
  Sync           an edit made as person:manager reaches the Worker at once through the webhook, or within 10 s by the sync
  Try it         ${(await retireExample(notion.url, ids.policies)) ?? "(the sample policy refund-over-limit is not in Policies)"}`;
}

/** A command that retires the sample policy "refund-over-limit" as the manager, with its real page id. */
async function retireExample(notionUrl, policiesDataSourceId) {
  // Read as the manager: people are not rate limited, and the integration's token is busy with the first sync.
  const client = new Client({ auth: "person:manager", baseUrl: notionUrl, logger: () => undefined });
  const page = await client.dataSources
    .query({
      data_source_id: policiesDataSourceId,
      filter: { property: "Policy ID", rich_text: { equals: "refund-over-limit" } },
    })
    .then(({ results }) => results[0])
    .catch(() => undefined);
  if (!page) return undefined;
  return `retire the policy refund-over-limit as the manager; a $700 refund for cus_002 then runs instead of waiting:
    curl -X PATCH ${notionUrl}/v1/pages/${page.id} -H "Authorization: Bearer person:manager" -H "Notion-Version: 2025-09-03" \\
      -H "Content-Type: application/json" -d '{"properties":{"Status":{"select":{"name":"Retired"}}}}'`;
}

/**
 * `npx policy-os notion setup --parent <page-id> [--samples] [--url <notion base url>] [--json]
 *   [--connect <worker-url> [--tenant <id>] [--webhook-secret <NAME|none>]]`:
 * creates the Policy OS databases under a page the integration can see (or finds them) and prints the data source
 * ids. `--connect` then hands them to the Worker (PUT /admin/notion) and runs a first sync (POST /admin/sync);
 * `--json` prints the ids as one JSON object on stdout and the progress on stderr.
 * Real Notion needs NOTION_TOKEN; against the local emulator the token defaults to `secret_emulator`.
 */
import { Client } from "@notionhq/client";
import { parseArgs } from "node:util";
import { NOTION_REQUESTS_PER_SECOND, pacedFetch } from "../src/notion/rate-schedule";
import { setupNotion } from "../src/notion/setup";

const { values } = parseArgs({
  options: {
    parent: { type: "string" },
    samples: { type: "boolean" },
    url: { type: "string" },
    connect: { type: "string" },
    tenant: { type: "string", default: "demo" },
    "webhook-secret": { type: "string" },
    json: { type: "boolean" },
  },
});
const isLocal = (url: string) => /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(url);
const baseUrl = (values.url ?? process.env.NOTION_BASE_URL ?? "https://api.notion.com").replace(/\/$/, "");
const auth = process.env.NOTION_TOKEN ?? (isLocal(baseUrl) ? "secret_emulator" : undefined);
const worker = values.connect?.replace(/\/$/, "");
const adminToken = process.env.ADMIN_TOKEN || (worker && isLocal(worker) ? "local-admin-token" : undefined);
// With --json, stdout carries only the ids, so scripts can read them.
const say = values.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
if (!values.parent) fail("name the page to create the databases under: --parent <page-id>");
if (!auth) fail("set NOTION_TOKEN to your integration's token (or pass --url of the local emulator)");
if (worker && !adminToken) fail(`set ADMIN_TOKEN to the admin token of ${worker}`);

// Paced at Notion's 3 requests/s, so setup waits its turn instead of drawing 429s and their whole-second waits; still
// patient with 429s, because a connected Worker shares the integration's rate while it writes Sync status back.
const client = new Client({
  auth,
  baseUrl,
  fetch: pacedFetch(NOTION_REQUESTS_PER_SECOND),
  logger: () => undefined,
  retry: { maxRetries: 10, maxRetryDelayMs: 10_000 },
});
const samples = values.samples === true;
// With --connect, sample rows are added once the Worker is connected, so it accepts the webhooks they cause.
const databases = await setUp(samples && !worker, say);
// The keys the Worker's connection names its databases by: policies, agents, …, golden_tasks.
const ids = Object.fromEntries(databases.map((d) => [d.key, d.data_source_id]));

if (worker) {
  // The Worker checks that the secret named exists; `none` connects without webhooks (e.g. before the handshake).
  const secret = values["webhook-secret"];
  const webhook = secret === undefined ? {} : { webhook_secret: secret === "none" ? null : secret };
  await admin("PUT", "notion", { ...webhook, data_sources: ids });
  say(`Connected tenant ${values.tenant} of ${worker} to these databases.`);
  if (samples) await setUp(true, (line) => line.includes("sample row") && say(line));
  say("First sync:");
  // Waiting for the write-back means every row shows its Sync status when setup ends.
  printReport(await admin("POST", "sync", { wait: true }));
}
if (values.json) console.log(JSON.stringify(ids));
else if (!worker) {
  say("\nConfigure Policy OS with these data source ids (or run again with --connect <worker-url>):");
  for (const d of databases) say(`  ${d.key.padEnd(12)} ${d.data_source_id}   (database ${d.database_id})`);
}

/** Creates or finds the databases (and adds missing sample rows when asked); a Notion refusal ends the script. */
async function setUp(withSamples: boolean, log: (line: string) => void) {
  try {
    return await setupNotion(client, { parent_page_id: values.parent!, samples: withSamples, log });
  } catch (error) {
    const e = error as { code?: string; message?: string; cause?: { code?: string } };
    if (!e.code) return fail(`cannot reach Notion at ${baseUrl} (${e.cause?.code ?? e.message ?? String(error)})`);
    return fail(`Notion refused the setup (${e.code}): ${e.message ?? String(error)}`);
  }
}

/** The parts of the Worker's sync report (POST /admin/sync) this summary shows. */
interface SyncReport {
  sources: Array<{
    source: string;
    read: number;
    applied: number;
    rejected: Array<{ name: string; reason: string }>;
    removed: number;
    error?: string;
  }>;
  snapshot: { hash: string | null; changed: boolean };
  statuses: { written: number; pending: number };
  requests: number;
}

function printReport(report: SyncReport): void {
  for (const s of report.sources) {
    const counts = `${s.read} read, ${s.applied} applied, ${s.rejected.length} rejected, ${s.removed} removed`;
    say(`  ${s.source.padEnd(12)} ${s.error ? `NOT SYNCED: ${s.error}` : counts}`);
    for (const r of s.rejected) say(`               rejected "${r.name}": ${r.reason}`);
  }
  say(`  snapshot     ${report.snapshot.hash ?? "(none)"}${report.snapshot.changed ? " (new)" : ""}`);
  const { written, pending } = report.statuses;
  say(`  Sync status written on ${written} row(s), ${pending} to write; ${report.requests} Notion request(s)`);
}

/** One admin API call on the tenant; a refusal ends the script with the Worker's own message. */
async function admin<T = SyncReport>(method: "PUT" | "POST", path: string, body: unknown): Promise<T> {
  const url = `${worker}/admin/${path}?tenant=${encodeURIComponent(values.tenant!)}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch (error) {
    const e = error as { message?: string; cause?: { code?: string } };
    return fail(`cannot reach the Worker at ${worker} (${e.cause?.code ?? e.message}); is it running?`);
  }
  const text = await response.text();
  let payload: { error?: { code?: string; message?: string; details?: unknown } } | undefined;
  try {
    payload = JSON.parse(text) as typeof payload;
  } catch {
    payload = undefined;
  }
  if (!response.ok) {
    const e = payload?.error;
    const why = e?.message ? `${e.code ? `${e.code}: ` : ""}${e.message}` : text.slice(0, 500) || response.statusText;
    const details = e?.details === undefined ? "" : `\n${JSON.stringify(e.details, null, 2)}`;
    fail(
      `the Worker refused ${method} /admin/${path} for tenant ${values.tenant}: ${response.status} ${why}${details}`,
    );
  }
  if (payload === undefined)
    fail(`the Worker answered ${method} /admin/${path} with something not JSON: ${text.slice(0, 200)}`);
  return payload as T;
}

function fail(message: string): never {
  console.error(`policy-os notion setup: ${message}`);
  process.exit(2);
}

#!/usr/bin/env node
// `npm run demo`: the whole approval story, offline, as a user would see it. The Notion emulator and the Worker run
// as `npm start` runs them (local D1 and Durable Objects, signed webhooks from the emulator to the Worker); an MCP
// client plays the agent, @notionhq/client plays the people in Notion. Each step prints what happened; the script
// exits non-zero if any step does not behave.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Client as NotionClient } from "@notionhq/client";
import { startEmulatorProcess } from "../emulator/node/spawn.mjs";
import { startLocalWorker } from "./local-worker.mjs";

const WORKER_PORT = 18797;
const EMULATOR_PORT = 18798;
/** How long any one step may take to show its effect. */
const STEP_MS = 15_000;
/** The demo shortens the tenant's approval timing so that a request expires, and is reminded, while you watch. */
const SHORT_TTL_S = 12;
const SHORT_REMINDER_S = 2;
/** Where the demo leaves the operating artifacts it exports (kept after the demo; .policy-os/ is git-ignored). */
const ARTIFACTS_DIR = ".policy-os/demo-artifacts";

let failures = 0;
let stepNo = 0;
const step = (title) => console.log(`\n${++stepNo}. ${title}`);
const say = (line) => console.log(`   ${line}`);
const check = (ok, what) => {
  console.log(`   ${ok ? "✓" : "✗"} ${what}`);
  if (!ok) failures++;
  return ok;
};
/** Polls `read` until `done` holds or STEP_MS passes; returns the last value. */
async function until(read, done, ms = STEP_MS) {
  const started = Date.now();
  let value = await read();
  while (!done(value) && Date.now() - started < ms) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}

const dir = await mkdtemp(join(tmpdir(), "policy-os-demo-"));
console.log("Policy OS demo: starting the Notion emulator and the Worker (local D1 and Durable Objects)…");
const emulator = await startEmulatorProcess({
  port: EMULATOR_PORT,
  file: join(dir, "notion", "state.json"),
  webhookUrl: `http://127.0.0.1:${WORKER_PORT}/webhooks/notion/demo`,
  onLine: () => {},
});
const worker = await startLocalWorker({
  port: WORKER_PORT,
  persistTo: dir,
  quiet: true,
  vars: {
    NOTION_API_URL: emulator.url,
    NOTION_TOKEN: "secret_emulator",
    NOTION_WEBHOOK_SECRET: "secret_emulator_webhook",
  },
}).catch(async (error) => {
  await emulator.stop();
  throw error;
});
/**
 * Runs the CLI as this run's admin, against this run's emulator: the token the Worker was given (the shell's
 * ADMIN_TOKEN or the local default) and the emulator's Notion token, whatever the shell says.
 */
const cli = async (...args) =>
  (
    await promisify(execFile)(process.execPath, ["scripts/policy-os.mjs", ...args], {
      encoding: "utf8",
      env: { ...process.env, ADMIN_TOKEN: worker.adminToken, NOTION_TOKEN: "secret_emulator" },
    })
  ).stdout;
const adminApi = async (method, path, body) => {
  const response = await fetch(`${worker.url}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${worker.adminToken}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
};
/** A person in the emulator's workspace, through the real Notion client. */
const person = (handle) =>
  new NotionClient({ auth: `person:${handle}`, baseUrl: emulator.url, logger: () => undefined });
const manager = person("manager");
const ops = person("ops");

let agent;
try {
  check((await adminApi("POST", "/seed")).status === 200, "the demo tenant, its agent and demo hosts are seeded");
  const setup = await cli(
    ...["notion", "setup", "--url", emulator.url, "--parent", emulator.rootPageId, "--samples"],
    ...["--connect", worker.url, "--tenant", "demo"],
  );
  check(/Connected tenant demo/.test(setup), "notion setup creates the databases and connects the demo tenant");
  const sources = await dataSources();

  agent = new Client({ name: "policy-os-demo-agent", version: "1.0.0" });
  await agent.connect(
    new StreamableHTTPClientTransport(new URL(`${worker.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${worker.demoAgentKey}` } },
    }),
  );
  /** One tools/call: its outcome and the sentence the agent reads. */
  const callTool = async (name, args, meta) => {
    const result = await agent.callTool({ name, arguments: args, ...(meta ? { _meta: meta } : {}) });
    return { ...result.structuredContent, text: result.content?.[0]?.text ?? "" };
  };
  const statusOf = async (escalation_id) =>
    (await callTool("governance.escalation_status", { escalation_id })).data?.status;
  const refund = (amount_cents, reason, meta) =>
    callTool("payments.create_refund", { customer_id: "cus_002", amount_cents, reason }, meta);

  step("An open call runs at once");
  const lookup = await callTool("payments.lookup_customer", { customer_id: "cus_001" });
  check(lookup.outcome === "succeeded", `payments.lookup_customer ${lookup.outcome}: ${lookup.text}`);

  step("A manager names ops as an approver of large refunds, in Notion");
  const refundPolicy = await rowOf(sources.policies, "Policy ID", "refund-over-limit");
  await manager.pages.update({
    page_id: refundPolicy.id,
    properties: { Approvers: { multi_select: [{ name: "manager" }, { name: "ops" }] } },
  });
  const inForce = await until(
    async () => (await adminApi("GET", "/policies?tenant=demo")).body.rows ?? [],
    (rows) => rows.some((row) => row["Policy ID"] === "refund-over-limit" && row.Approvers?.includes("ops")),
  );
  check(
    inForce.some((row) => row["Policy ID"] === "refund-over-limit" && row.Approvers?.includes("ops")),
    "the edit reaches the Worker through Notion's webhook and is in force",
  );
  const first = await refund(70_000, "damaged in transit");
  check(
    first.outcome === "pending_approval" && first.denial?.details?.approvers?.includes("ops"),
    `a $700 refund is held (${first.denial?.code}) for ${first.denial?.details?.approvers?.join(" or ")}: ${first.text}`,
  );
  const escalation_id = first.escalation_id;

  step("The held call's page appears in the Approvals database");
  const approvalPage = await until(
    () => rowOf(sources.approvals, "Escalation ID", escalation_id).catch(() => null),
    (page) => page !== null,
  );
  check(
    approvalPage !== null,
    approvalPage
      ? `page "${titleOf(approvalPage)}", Decision ${selectOf(approvalPage, "Decision")}`
      : `no page for ${escalation_id}`,
  );

  step("A manager writes a new block policy in Notion, and it takes effect");
  await manager.pages.create({
    parent: { data_source_id: sources.policies },
    properties: {
      Name: { title: [{ text: { content: "Agents never change contacts" } }] },
      "Policy ID": { rich_text: [{ text: { content: "no-contact-edits" } }] },
      Type: { select: { name: "block" } },
      Mode: { select: { name: "block" } },
      Status: { select: { name: "Active" } },
      Tools: { rich_text: [{ text: { content: "crm.update_contact" } }] },
      "Reason code": { rich_text: [{ text: { content: "contact_edits_blocked" } }] },
      Message: { rich_text: [{ text: { content: "Contacts are edited by the CRM team, not by agents." } }] },
    },
  });
  const blocked = await until(
    () => callTool("crm.update_contact", { contact_id: "con_002", fields: { notes: "called back" } }),
    (o) => o.outcome === "denied",
  );
  check(
    blocked.outcome === "denied" && blocked.decision?.policy_ids?.includes("no-contact-edits"),
    `crm.update_contact ${blocked.outcome} (${blocked.denial?.code}): ${blocked.text}`,
  );

  step("Ops approves the refund in Notion");
  if (approvalPage)
    await ops.pages.update({ page_id: approvalPage.id, properties: { Decision: { select: { name: "Approved" } } } });
  const approved = await until(
    () => statusOf(escalation_id),
    (s) => s === "approved",
  );
  check(approved === "approved", `governance.escalation_status says ${approved}`);

  step("The agent's retry runs once");
  const retry = await refund(70_000, "damaged in transit");
  check(retry.outcome === "succeeded" && retry.escalation_id === escalation_id, `${retry.outcome}: ${retry.text}`);
  const executed = await until(
    () => rowOf(sources.approvals, "Escalation ID", escalation_id),
    (page) => selectOf(page, "Decision") === "Executed",
  );
  check(
    selectOf(executed, "Decision") === "Executed",
    `the page says ${selectOf(executed, "Decision")}, decided by ${peopleOf(executed, "Decided by")}`,
  );

  step("A second retry is refused");
  const again = await refund(70_000, "damaged in transit");
  check(again.denial?.code === "approval_already_used", `${again.outcome} (${again.denial?.code}): ${again.text}`);

  step("A self-approval is rejected");
  const own = await refund(80_000, "ops asked for this one", { on_behalf_of: "ops" });
  const ownPage = await until(
    () => rowOf(sources.approvals, "Escalation ID", own.escalation_id).catch(() => null),
    (page) => page !== null,
  );
  if (ownPage)
    await ops.pages.update({ page_id: ownPage.id, properties: { Decision: { select: { name: "Approved" } } } });
  const reverted = await until(
    async () => ({
      decision: selectOf(await rowOf(sources.approvals, "Escalation ID", own.escalation_id), "Decision"),
      comments: ownPage ? await commentsOn(ownPage.id) : [],
    }),
    (seen) => seen.decision === "Pending" && seen.comments.length > 0,
  );
  check(
    reverted.decision === "Pending" && (await statusOf(own.escalation_id)) === "pending",
    `ops asked for it, so ops's approval is put back to Pending: "${reverted.comments[0] ?? "no comment"}"`,
  );

  step(`An undecided request is reminded after ${SHORT_REMINDER_S} s and expires after ${SHORT_TTL_S} s`);
  const timing = await adminApi("PATCH", "/tenants/demo", {
    approval_ttl_seconds: SHORT_TTL_S,
    approval_reminder_seconds: SHORT_REMINDER_S,
  });
  check(timing.status === 200, `the demo tenant now waits ${SHORT_TTL_S} s for a decision (tenants set)`);
  const late = await refund(90_000, "nobody will answer");
  const latePage = await until(
    () => rowOf(sources.approvals, "Escalation ID", late.escalation_id).catch(() => null),
    (page) => page !== null,
  );
  const reminders = await until(
    () => (latePage ? commentsOn(latePage.id) : []),
    (list) => list.some((text) => text.startsWith("Reminder:")),
  );
  check(
    reminders.some((text) => text.startsWith("Reminder:")),
    `the approvers are mentioned: "${reminders.find((text) => text.startsWith("Reminder:")) ?? "no reminder"}"`,
  );
  const expired = await until(
    () => statusOf(late.escalation_id),
    (s) => s === "expired",
  );
  const lateRetry = await refund(90_000, "nobody will answer");
  check(
    expired === "expired" && lateRetry.denial?.code === "approval_expired",
    `the retry answers ${lateRetry.denial?.code}: ${lateRetry.text}`,
  );
  const expiredPage = await until(
    () => rowOf(sources.approvals, "Escalation ID", late.escalation_id),
    (page) => selectOf(page, "Decision") === "Expired",
  );
  check(selectOf(expiredPage, "Decision") === "Expired", `its page says ${selectOf(expiredPage, "Decision")}`);
  await adminApi("PATCH", "/tenants/demo", { approval_ttl_seconds: 86_400, approval_reminder_seconds: 3_600 });

  step("The ledger verifies");
  const verify = await cli("ledger", "verify", "--url", worker.url);
  check(/chain intact/.test(verify), verify.trim());

  step("This week's digest page is written in Notion, with the ledger checkpoint");
  const monday = new Date();
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
  const week = monday.toISOString().slice(0, 10);
  say((await cli("digest", "--week", week, "--url", worker.url)).trim());
  const digest = await rowOf(sources.digests, "Tenant", "demo");
  const head = (await adminApi("GET", "/ledger?limit=1")).body.head;
  const numberOf = (property) => digest.properties[property]?.number;
  check(
    titleOf(digest) === `Week of ${week}` && numberOf("Calls") > 0 && numberOf("Ledger seq") === head.seq,
    `page "${titleOf(digest)}": ${numberOf("Calls")} calls, ${numberOf("Held")} held, ledger seq ${numberOf("Ledger seq")} ` +
      `(the ledger's head is seq ${head.seq}), narrative by ${selectOf(digest, "Written by")}`,
  );

  step("The operating artifacts are exported from the tenant's live state");
  const files = (await cli("export", "--out", ARTIFACTS_DIR, "--url", worker.url)).trim().split("\n");
  for (const file of files) say(file);
  check(files.length === 4, `${files.length} files: the MCP and agent contracts, the outcome contract and the runbook`);
} catch (error) {
  check(false, `the demo stopped: ${error.stack ?? error}`);
} finally {
  await agent?.close();
  await worker.stop();
  await emulator.stop();
  await rm(dir, { recursive: true, force: true });
}
console.log(failures === 0 ? "\nEvery step behaved." : `\n${failures} step(s) did not behave.`);
process.exitCode = failures === 0 ? 0 : 1;

/** The data source ids of the databases, by lower-case title. */
async function dataSources() {
  const found = await manager.search({ filter: { property: "object", value: "data_source" } });
  return Object.fromEntries(
    found.results.map((source) => [
      source.title
        .map((part) => part.plain_text)
        .join("")
        .toLowerCase(),
      source.id,
    ]),
  );
}

/** The row whose text property `property` equals `value`; throws when there is none. */
async function rowOf(data_source_id, property, value) {
  const { results } = await manager.dataSources.query({
    data_source_id,
    filter: { property, rich_text: { equals: value } },
  });
  if (!results[0]) throw new Error(`no row with ${property} ${value}`);
  return results[0];
}

function titleOf(page) {
  const title = Object.values(page.properties).find((value) => value.type === "title");
  return title?.title.map((part) => part.plain_text).join("") ?? "";
}

function selectOf(page, property) {
  return page?.properties?.[property]?.select?.name ?? null;
}

function peopleOf(page, property) {
  return page?.properties?.[property]?.people?.map((p) => p.name ?? p.id).join(", ") || "nobody";
}

async function commentsOn(page_id) {
  const { results } = await manager.comments.list({ block_id: page_id });
  return results.map((comment) => comment.rich_text.map((part) => part.plain_text).join(""));
}

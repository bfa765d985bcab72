#!/usr/bin/env node
// `npm run browser-demo`: the approval story played by clicking, in headless Chromium, in the emulator's web
// workspace. The Notion emulator and the Worker run as `npm start` runs them; an MCP client plays the agent; the
// browser plays the people: the manager makes ops an approver of large refunds, ops approves the held refund, and
// the approval page then shows Executed. `--screenshot <file>` saves the approval page as a PNG. Needs a Chromium
// (Debian: apt-get install chromium; or set CHROMIUM_PATH); exits non-zero if any step does not behave.
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import puppeteer from "puppeteer-core";
import { startStack, until } from "./local-stack.mjs";

const WORKER_PORT = 18807;
const EMULATOR_PORT = 18808;
const CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

const { values: options } = parseArgs({ options: { screenshot: { type: "string" } } });
const chromium = [process.env.CHROMIUM_PATH, ...CHROMIUM_CANDIDATES].find((path) => path && existsSync(path));
if (!chromium) {
  console.error(
    `browser demo: no Chromium found (looked at ${CHROMIUM_CANDIDATES.join(", ")}); install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH`,
  );
  process.exit(1);
}

let failures = 0;
const check = (ok, what) => {
  console.log(`   ${ok ? "✓" : "✗"} ${what}`);
  if (!ok) failures++;
  return ok;
};
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
let stepNo = 0;
const step = (title) => console.log(`\n${++stepNo}. ${title} (at ${elapsed()})`);

console.log(`Policy OS browser demo (${chromium}): starting the Notion emulator and the Worker…`);
const stack = await startStack({ workerPort: WORKER_PORT, emulatorPort: EMULATOR_PORT });
const { emulator } = stack;

let browser;
try {
  console.log(`the Worker answers (at ${elapsed()}); notion setup creates the databases and connects the demo tenant…`);
  await stack.setup(emulator.rootPageId);
  const agent = await stack.agent();
  const callTool = agent.call;
  const refund = () =>
    callTool("payments.create_refund", { customer_id: "cus_002", amount_cents: 70_000, reason: "damaged in transit" });

  browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    // Chromium refuses to start as root inside its sandbox; CI containers run as root.
    args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1100, height: 900 });
  /** Clicks what `selector` finds and waits for the page it leads to. */
  const clickThrough = async (selector) => {
    await Promise.all([page.waitForNavigation(), page.locator(selector).click()]);
  };
  const selectAndWait = (selector, value) => Promise.all([page.waitForNavigation(), page.select(selector, value)]);
  const alertText = () => page.$eval("[role=alert]", (el) => el.textContent).catch(() => null);

  step("The manager opens the workspace and makes ops an approver of large refunds");
  await page.goto(`${emulator.url}/`);
  check(
    (await page.$eval("header select[name=person]", (el) => el.value)) === "manager",
    "the workspace opens as the manager",
  );
  await clickThrough("a::-p-text(Policies)");
  await clickThrough("a::-p-text(Refunds over $500 need a manager)");
  const approvers = 'input[data-property="Approvers"]';
  await page.locator(approvers).click({ count: 3 });
  await page.keyboard.type("manager, ops");
  await clickThrough(`form.cell:has(${approvers}) button`);
  check(
    (await page.$eval(approvers, (el) => el.value)) === "manager, ops" && (await alertText()) === null,
    "the policy page now names manager, ops as Approvers",
  );
  const inForce = await until(
    async () => (await stack.admin("GET", "/policies?tenant=demo")).body.rows ?? [],
    (rows) => rows.some((row) => row["Policy ID"] === "refund-over-limit" && row.Approvers?.includes("ops")),
  );
  check(
    inForce.some((row) => row["Policy ID"] === "refund-over-limit" && row.Approvers?.includes("ops")),
    "the edit reaches the Worker through Notion's webhook and is in force",
  );

  step("The agent asks for a $700 refund, and it is held");
  const held = await refund();
  check(
    held.outcome === "pending_approval" && held.denial?.details?.approvers?.includes("ops"),
    `${held.outcome} for ${held.denial?.details?.approvers?.join(" or ")}: ${held.text}`,
  );

  step("Ops switches to themself, opens the approval page and approves");
  await selectAndWait("header select[name=person]", "ops");
  check((await page.$eval("header select[name=person]", (el) => el.value)) === "ops", "the workspace acts as ops");
  await clickThrough("a::-p-text(Databases)");
  await clickThrough("a::-p-text(Approvals)");
  const row = `::-p-xpath(//tr[td[normalize-space()="${held.escalation_id}"]]//a)`;
  const listed = await until(
    async () => (await page.$(row)) ?? (await page.reload(), null),
    (found) => found !== null,
  );
  check(listed !== null, `the Approvals table lists the held call ${held.escalation_id}`);
  await clickThrough(row);
  const decision = 'select[data-property="Decision"]';
  check((await page.$eval(decision, (el) => el.value)) === "Pending", "its Decision is Pending");
  await selectAndWait(decision, "Approved");
  check((await alertText()) === null, "ops sets Decision to Approved");
  const status = await until(
    async () => (await callTool("governance.escalation_status", { escalation_id: held.escalation_id })).data?.status,
    (s) => s === "approved",
  );
  check(status === "approved", `governance.escalation_status says ${status}`);

  step("The agent's retry runs once, and the page shows Executed");
  const retry = await refund();
  check(retry.outcome === "succeeded", `${retry.outcome}: ${retry.text}`);
  const shown = await until(
    async () => (await page.reload(), await page.$eval(decision, (el) => el.value)),
    (value) => value === "Executed",
  );
  const decidedBy = await page.$eval("::-p-xpath(//tr[th='Decided by']/td)", (el) => el.textContent.trim());
  check(shown === "Executed" && decidedBy === "Omar Ops", `the page says ${shown}, decided by ${decidedBy}`);
  if (options.screenshot) {
    await page.screenshot({ path: options.screenshot, fullPage: true });
    console.log(`   the approval page is saved to ${options.screenshot}`);
  }
} catch (error) {
  check(false, `the browser demo stopped: ${error.stack ?? error}`);
} finally {
  await browser?.close();
  await stack.stop();
}
console.log(failures === 0 ? `\nEvery step behaved (${elapsed()}).` : `\n${failures} step(s) did not behave.`);
process.exitCode = failures === 0 ? 0 : 1;

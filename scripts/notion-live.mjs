#!/usr/bin/env node
// `npm run test:notion-live`: the Notion-facing scenarios (scripts/notion-scenarios.mjs) against a real Notion
// workspace, before going live. Needs NOTION_TOKEN (an internal integration's token) and NOTION_PARENT_PAGE_ID (a
// page shared with it); without them it says it was not run and exits 0. It runs the Worker locally under wrangler
// dev, creates a fresh page under that parent, sets up the databases there, plays the scenarios and moves the page
// to Notion's trash at the end. NOTION_LIVE_APPROVER (the email of a person in the workspace) makes that person the
// refund policy's approver, and the run waits for them to approve one page in Notion.
// `-- --emulator` runs the same scenarios against the local emulator instead, without webhooks as from real Notion
// (CI runs it so).
import { parseArgs } from "node:util";
import { Client } from "@notionhq/client";
import { startStack } from "./local-stack.mjs";
import { SCENARIOS } from "./notion-scenarios.mjs";

const WORKER_PORT = 18817;
const EMULATOR_PORT = 18818;
/** How long a person has to approve the page in real Notion. */
const DECIDE_MS = 5 * 60_000;

const { values: flags } = parseArgs({ options: { emulator: { type: "boolean" } } });
const live = !flags.emulator;
if (live && !(process.env.NOTION_TOKEN && process.env.NOTION_PARENT_PAGE_ID)) {
  const missing = ["NOTION_TOKEN", "NOTION_PARENT_PAGE_ID"].filter((name) => !process.env[name]);
  console.log(
    `test:notion-live was not run: ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not set. ` +
      "Set NOTION_TOKEN to an internal integration's token and NOTION_PARENT_PAGE_ID to a page shared with it " +
      "(docs/notion.md), or run `npm run test:notion-live -- --emulator` to play the same scenarios locally.",
  );
  process.exit(0);
}

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const counts = { passed: 0, failed: 0, skipped: 0 };
console.log(`Notion scenarios against ${live ? "real Notion" : "the local Notion emulator"}: starting the Worker…`);
const stack = await startStack({
  workerPort: WORKER_PORT,
  emulatorPort: EMULATOR_PORT,
  realNotion: live ? { token: process.env.NOTION_TOKEN } : undefined,
  // Real Notion's webhooks cannot reach a Worker on 127.0.0.1: the emulator sends none either, so both runs take
  // every edit and decision by the Worker's sync and poll.
  webhooks: false,
});
const client = (auth) =>
  new Client({
    auth,
    baseUrl: stack.notionUrl,
    logger: () => undefined,
    retry: { maxRetries: 10, maxRetryDelayMs: 10_000 },
  });
const notion = client(stack.notionToken);
let parent;
try {
  const under = live ? process.env.NOTION_PARENT_PAGE_ID : stack.emulator.rootPageId;
  const page = await notion.pages.create({
    parent: { page_id: under },
    properties: {
      title: { title: [{ type: "text", text: { content: `Policy OS live check ${new Date().toISOString()}` } }] },
    },
  });
  parent = page.id;
  console.log(`the test page is ${page.url} (at ${elapsed()}); notion setup creates the databases under it…`);
  const ids = await stack.setup(parent);
  const ctx = {
    stack,
    ids,
    parent,
    notion,

    approver: live ? liveApprover() : emulatorApprover(),
    patienceMs: live ? 120_000 : 20_000,
    pollMs: live ? 3_000 : 250,
  };
  for (const scenario of SCENARIOS) {
    console.log(`\n${scenario.name} (at ${elapsed()})`);
    let skipped;
    const check = (ok, what) => {
      console.log(`   ${ok ? "✓" : "✗"} ${what}`);
      counts[ok ? "passed" : "failed"]++;
      return ok;
    };
    try {
      await scenario.run({ ...ctx, check, skip: (why) => (skipped = why) });
    } catch (error) {
      check(false, `stopped: ${error.stack ?? error}`);
    }
    if (skipped) {
      console.log(`   - not run further: ${skipped}`);
      counts.skipped++;
    }
  }
} catch (error) {
  console.log(`   ✗ the run stopped: ${error.stack ?? error}`);
  counts.failed++;
} finally {
  await cleanUp();
  await stack.stop();
}
console.log(
  `\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} not run further (${elapsed()}, ${live ? "real Notion" : "emulator"}).`,
);
process.exitCode = counts.failed === 0 ? 0 : 1;

/** In the emulator, ops decides through the API as the person it is. */
function emulatorApprover() {
  const ops = client("person:ops");
  return {
    name: "ops",
    decide: async (page_id) => {
      await ops.pages.update({ page_id, properties: { Decision: { select: { name: "Approved" } } } });
    },
  };
}

/** In real Notion only a person in Notion's own app can decide: NOTION_LIVE_APPROVER names them, and the run waits. */
function liveApprover() {
  const email = process.env.NOTION_LIVE_APPROVER;
  if (!email)
    return {
      name: "ops",
      absent:
        "Notion's API acts only as the integration, so a person must set Decision in Notion; set NOTION_LIVE_APPROVER to your email in the workspace to do it during the run",
    };
  return {
    name: email,
    decide: async (page_id, url) => {
      console.log(`   → as ${email}, set Decision to Approved on ${url} (waiting up to ${DECIDE_MS / 60_000} min)`);
      const deadline = Date.now() + DECIDE_MS;
      while (Date.now() < deadline) {
        const page = await notion.pages.retrieve({ page_id });
        if (page.properties.Decision?.select?.name === "Approved") return;
        if (page.properties.Decision?.select?.name === "Executed") return;
        await new Promise((resolve) => setTimeout(resolve, 3_000));
      }
      throw new Error(`nobody set Decision to Approved within ${DECIDE_MS / 60_000} min`);
    },
  };
}

/** Disconnects the tenant (no write-back after this), then moves the test page, and everything under it, to the trash. */
async function cleanUp() {
  if (!parent) return;
  await stack.admin("DELETE", "/notion").catch(() => undefined);
  try {
    const trashed = await notion.pages.update({ page_id: parent, in_trash: true });
    if (!trashed.in_trash) throw new Error("Notion did not say it is in the trash");
    console.log(`\ncleaned up: the test page and its databases are in Notion's trash`);
  } catch (error) {
    console.log(`\n✗ could not move the test page ${parent} to the trash: ${error.message}`);
    counts.failed++;
  }
}

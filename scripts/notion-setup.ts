/**
 * `npx policy-os notion setup --parent <page-id> [--samples] [--url <notion base url>]`: creates the Policy OS
 * databases under a page the integration can see (or finds them), and prints the ids to configure.
 * Real Notion needs NOTION_TOKEN; against the local emulator the token defaults to `secret_emulator`.
 */
import { Client } from "@notionhq/client";
import { parseArgs } from "node:util";
import { setupNotion } from "../src/notion/setup";

const { values } = parseArgs({
  options: { parent: { type: "string" }, samples: { type: "boolean" }, url: { type: "string" } },
});
const baseUrl = (values.url ?? process.env.NOTION_BASE_URL ?? "https://api.notion.com").replace(/\/$/, "");
const local = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(baseUrl);
const auth = process.env.NOTION_TOKEN ?? (local ? "secret_emulator" : undefined);
if (!values.parent) fail("name the page to create the databases under: --parent <page-id>");
if (!auth) fail("set NOTION_TOKEN to your integration's token (or pass --url of the local emulator)");

const client = new Client({ auth, baseUrl, logger: () => undefined });
try {
  const databases = await setupNotion(client, {
    parent_page_id: values.parent!,
    samples: values.samples === true,
    log: (line) => console.log(line),
  });
  console.log("\nConfigure Policy OS with these data source ids:");
  for (const d of databases)
    console.log(`  NOTION_${d.title.toUpperCase()}_DATA_SOURCE=${d.data_source_id}   (database ${d.database_id})`);
} catch (error) {
  const e = error as { code?: string; message?: string };
  fail(`Notion refused the setup${e.code ? ` (${e.code})` : ""}: ${e.message ?? String(error)}`);
}

function fail(message: string): never {
  console.error(`policy-os notion setup: ${message}`);
  process.exit(2);
}

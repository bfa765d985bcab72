/**
 * `npm run notion-emulator`: the local Notion emulator on http://127.0.0.1:8788. PORT and NOTION_EMULATOR_FILE change
 * where it listens and keeps its data; NOTION_EMULATOR_WEBHOOK_URL is where it POSTs signed webhooks. Use it with any
 * Notion client: base URL as printed, token `secret_emulator`, or `person:<manager|ops|requester>` to act as that
 * person.
 */
import { ROOT_PAGE_ID } from "../notion";
import { startEmulatorServer } from "./server";

const port = Number(process.env.PORT ?? 8788);
const file = process.env.NOTION_EMULATOR_FILE ?? ".notion-emulator/state.json";
const webhookUrl = process.env.NOTION_EMULATOR_WEBHOOK_URL || undefined;
const running = await startEmulatorServer({ port, file, webhookUrl }).catch((error: NodeJS.ErrnoException) => {
  const why = error.code === "EADDRINUSE" ? `port ${port} is already in use (set PORT to another one)` : error.message;
  console.error(`notion emulator: cannot listen on 127.0.0.1:${port}: ${why}`);
  process.exit(1);
});
console.log(`Notion emulator on ${running.url} (data in ${file})
  workspace          ${running.url}/   (the databases in a browser, as the manager, ops or the requester)
  integration token  secret_emulator      people  person:manager, person:ops, person:requester
  root page          ${ROOT_PAGE_ID}   (create the Policy OS databases under it)
  webhooks           ${webhookUrl ?? "not sent (set NOTION_EMULATOR_WEBHOOK_URL)"}
  set up             npx policy-os notion setup --url ${running.url} --parent ${ROOT_PAGE_ID} --samples`);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => void running.close().then(() => process.exit(0)));

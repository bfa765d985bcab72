/**
 * `npm run notion-emulator`: the local Notion emulator on http://127.0.0.1:8788 (PORT and NOTION_EMULATOR_FILE
 * change where it listens and keeps its data). Use it with any Notion client: base URL as printed, token
 * `secret_emulator`, or `person:<manager|ops|requester>` to act as that person.
 */
import { ROOT_PAGE_ID } from "../notion";
import { startEmulatorServer } from "./server";

const port = Number(process.env.PORT ?? 8788);
const file = process.env.NOTION_EMULATOR_FILE ?? ".notion-emulator/state.json";
const running = await startEmulatorServer({ port, file });
console.log(`Notion emulator on ${running.url} (data in ${file})
  integration token  secret_emulator      people  person:manager, person:ops, person:requester
  root page          ${ROOT_PAGE_ID}   (create the Policy OS databases under it)
  set up             npx policy-os notion setup --url ${running.url} --parent ${ROOT_PAGE_ID} --samples`);
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => void running.close().then(() => process.exit(0)));

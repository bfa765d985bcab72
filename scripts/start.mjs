#!/usr/bin/env node
// npm start: the whole loop offline. Applies local D1 migrations, serves the Worker with wrangler dev
// (local D1 and Durable Objects), seeds the demo tenant, and prints how to connect an MCP client.
import { LOCAL_DEFAULTS, startLocalWorker } from "./local-worker.mjs";

const port = Number(process.env.PORT ?? 8787);
const adminToken = process.env.ADMIN_TOKEN || LOCAL_DEFAULTS.adminToken;
const demoKey = process.env.DEMO_AGENT_KEY || LOCAL_DEFAULTS.demoAgentKey;

const worker = await startLocalWorker({
  port,
  vars: { ADMIN_TOKEN: adminToken, DEMO_AGENT_KEY: demoKey },
  onLog: (line) => console.log(`[policy-os] ${line}`),
});

const seeded = await fetch(`${worker.url}/admin/seed`, {
  method: "POST",
  headers: { authorization: `Bearer ${adminToken}` },
});
if (!seeded.ok) {
  console.error(`[policy-os] seeding the demo tenant failed: ${seeded.status} ${await seeded.text()}`);
  await worker.stop();
  process.exit(1);
}
const seed = await seeded.json();
const cli = port === 8787 ? "npx policy-os" : `POLICY_OS_URL=${worker.url} npx policy-os`;

console.log(`
Policy OS is running (local dev: local D1 and Durable Objects under .wrangler/state).

  MCP endpoint   ${worker.url}/mcp        (Streamable HTTP, stateless)
  Demo agent     Authorization: Bearer ${demoKey}${process.env.DEMO_AGENT_KEY ? "" : "   (default; set DEMO_AGENT_KEY to change)"}
  Admin API      ${worker.url}/admin      Authorization: Bearer ${process.env.ADMIN_TOKEN ? "<your ADMIN_TOKEN>" : `${adminToken}   (default; set ADMIN_TOKEN to change)`}
  Demo tenant    ${seed.tenant}: demo hosts payments, crm, serviceops; ${seed.policies_seeded ? `${seed.policies_seeded} sample policies seeded` : "existing policies kept"}

Connect an MCP client:
  Claude Code     claude mcp add --transport http policy-os ${worker.url}/mcp --header "Authorization: Bearer ${demoKey}"
  MCP Inspector   npx @modelcontextprotocol/inspector   (Transport: Streamable HTTP, URL ${worker.url}/mcp, header above)

Try the admin CLI in another terminal:
  ${cli} audit        ${cli} ledger verify        ${cli} --help

Press Ctrl+C to stop.`);

for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => worker.stop().then(() => process.exit(0)));
process.exit(await worker.exited);

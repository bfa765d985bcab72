#!/usr/bin/env node
// Federation with a real third-party MCP server, end to end: @modelcontextprotocol/server-everything over Streamable
// HTTP on a local port, registered as an upstream host of a fresh tenant of the Worker under `wrangler dev`, and
// called through /mcp by the real MCP SDK client (which validates structured content against each tool's
// outputSchema). workerd tests cannot start a Node process, so this runs beside them; exits non-zero on failure.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { portFromEnv, startLocalWorker } from "./local-worker.mjs";

const WORKER_PORT = portFromEnv("FEDERATION_WORKER_PORT", 18797);
const EVERYTHING_PORT = portFromEnv("FEDERATION_UPSTREAM_PORT", 18798);
const everythingMain = fileURLToPath(
  new URL("../node_modules/@modelcontextprotocol/server-everything/dist/index.js", import.meta.url),
);
const check = (ok, what) => {
  console.log(`  ${ok ? "✓" : "✗"} ${what}`);
  if (!ok) process.exitCode = 1;
};

/** Starts server-everything's Streamable HTTP transport and resolves once it listens. */
function startEverything(port) {
  const child = spawn(process.execPath, [everythingMain, "streamableHttp"], {
    env: { ...process.env, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const listening = new Promise((resolve, reject) => {
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      if (stderr.includes(`listening on port ${port}`)) resolve();
    });
    child.on("exit", (code) => reject(new Error(`server-everything exited (${code}):\n${stderr.slice(-2000)}`)));
  });
  return { child, listening, stop: () => child.kill("SIGTERM") };
}

const dir = await mkdtemp(join(tmpdir(), "policy-os-federation-"));
const everything = startEverything(EVERYTHING_PORT);
let worker;
try {
  await everything.listening;
  worker = await startLocalWorker({ port: WORKER_PORT, persistTo: dir, quiet: true });
  const admin = async (method, path, body) => {
    const res = await fetch(`${worker.url}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${worker.adminToken}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const tenant = `fed${Date.now().toString(36)}`;
  check(
    (await admin("POST", "/tenants", { id: tenant, name: "Federation", demo_hosts: false })).status === 201,
    "tenant created",
  );
  const host = await admin("POST", `/hosts?tenant=${tenant}`, {
    id: "everything",
    url: `http://127.0.0.1:${EVERYTHING_PORT}/mcp`,
  });
  check(
    host.status === 201,
    `server-everything registered as host "everything" (${host.body.tools?.length ?? 0} tools)`,
  );
  const agent = await admin("POST", `/agents?tenant=${tenant}`, { name: "federation-bot", owner: "requester" });
  const client = new Client({ name: "federation-check", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${worker.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${agent.body.api_key}` } },
    }),
  );
  const { tools } = await client.listTools();
  const names = tools.map((tool) => tool.name);
  check(
    ["everything.echo", "everything.get-sum", "everything.get-tiny-image"].every((n) => names.includes(n)),
    "its tools are listed under everything.*",
  );
  check(
    tools.every((tool) => tool.name.startsWith("governance.") || tool.outputSchema?.properties?.outcome),
    "every federated tool publishes the outcome contract as outputSchema",
  );

  const echo = await client.callTool({ name: "everything.echo", arguments: { message: "hello through the gateway" } });
  check(
    echo.structuredContent?.outcome === "succeeded" &&
      JSON.stringify(echo.content).includes("hello through the gateway"),
    "echo runs through the pipeline and its text comes back",
  );
  const sum = await client.callTool({ name: "everything.get-sum", arguments: { a: 2, b: 3 } });
  check(
    sum.structuredContent?.outcome === "succeeded" && JSON.stringify(sum.content).includes("5"),
    "get-sum adds 2 and 3",
  );
  const image = await client.callTool({ name: "everything.get-tiny-image", arguments: {} });
  const block = image.content.find((item) => item.type === "image");
  check(block?.mimeType === "image/png" && block.data.length > 100, "get-tiny-image arrives as an image content block");
  check(
    !JSON.stringify(image.structuredContent?.data ?? null).includes('"type":"text","text":"{'),
    "the image is not wrapped in JSON text",
  );
  // The SDK client validates structuredContent against the published outputSchema: a mismatch would throw here.
  const weather = await client.callTool({
    name: "everything.get-structured-content",
    arguments: { location: "Chicago" },
  });
  check(
    typeof weather.structuredContent?.data?.temperature === "number",
    "get-structured-content's outcome validates against its outputSchema on a real client",
  );

  const { resources } = await client.listResources();
  check(
    resources.some((r) => r.uri.startsWith("policy-os://hosts/everything/")),
    `its resources are listed (${resources.length})`,
  );
  const first = resources.find((r) => r.uri.startsWith("policy-os://hosts/everything/"));
  if (first) {
    const read = await client.readResource({ uri: first.uri });
    check(
      read.contents.length > 0 && read.contents[0].uri === first.uri,
      `a resource reads through the gateway (${first.name})`,
    );
  }
  const { resourceTemplates } = await client.listResourceTemplates();
  check(resourceTemplates.length > 0, `its resource templates are listed (${resourceTemplates.length})`);
  const { prompts } = await client.listPrompts();
  const simple = prompts.find((p) => p.name.startsWith("everything.") && !p.arguments?.some((a) => a.required));
  check(simple !== undefined, `its prompts are listed (${prompts.length})`);
  if (simple)
    check(
      (await client.getPrompt({ name: simple.name })).messages.length > 0,
      `a prompt gets through the gateway (${simple.name})`,
    );
  await client.close();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await worker?.stop();
  everything.stop();
  await rm(dir, { recursive: true, force: true });
}

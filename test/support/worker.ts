import { SELF } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import type { Outcome } from "../../src/pipeline/outcome";

/** The admin token tests run with (vitest.config.ts binds it). */
export const ADMIN_TOKEN = "test-admin-token";
export const BASE = "https://policy-os.test";

/** Calls the admin API of the Worker under test. */
export async function admin<T = any>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await SELF.fetch(`${BASE}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

let counter = 0;

/** A fresh tenant with the demo hosts, the given policy rows and one agent; returns the agent's key. */
export async function newTenant(
  options: { rows?: unknown[]; agent?: Record<string, unknown>; posture?: object; settings?: object } = {},
) {
  const id = `t${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const created = await admin("POST", "/tenants", {
    id,
    name: `Tenant ${id}`,
    demo_hosts: true,
    default_approvers: ["ops"],
    ...(options.posture ? { default_posture: options.posture } : {}),
    ...options.settings,
  });
  if (created.status !== 201) throw new Error(`tenant: ${JSON.stringify(created.body)}`);
  if (options.rows) {
    const set = await admin("PUT", `/policies?tenant=${id}`, { rows: options.rows });
    if (set.status !== 200) throw new Error(`policies: ${JSON.stringify(set.body)}`);
  }
  const agent = await admin("POST", `/agents?tenant=${id}`, {
    name: "support-bot",
    owner: "requester",
    ...options.agent,
  });
  if (agent.status !== 201) throw new Error(`agent: ${JSON.stringify(agent.body)}`);
  return { tenant: id, key: agent.body.api_key as string, agent_id: agent.body.agent.id as string };
}

/** A real MCP SDK client connected to the Worker's /mcp with an agent key. */
export async function connect(key: string): Promise<Client> {
  const client = new Client(
    { name: "policy-os-tests", version: "1.0.0" },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  );
  const transport = new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
    fetch: (url, init) => SELF.fetch(url as string, init as RequestInit),
  });
  await client.connect(transport);
  return client;
}

/** Calls a tool and returns the outcome contract from structuredContent, plus the text and isError. */
export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  meta?: Record<string, unknown>,
) {
  const result = await client.callTool({ name, arguments: args, ...(meta ? { _meta: meta } : {}) });
  const content = result.content as { type: string; text: string }[];
  return {
    outcome: result.structuredContent as unknown as Outcome,
    text: content[0]!.text,
    isError: result.isError === true,
  };
}

/** Starts a run for the client's agent with governance.start_run; returns its run id (for `_meta.run_id`). */
export async function startRun(client: Client): Promise<string> {
  const started = await call(client, "governance.start_run", {});
  if (started.outcome.outcome !== "succeeded") throw new Error(`start_run: ${started.text}`);
  return (started.outcome.data as { run_id: string }).run_id;
}

/** Posts a raw body to /mcp (for protocol-level cases the SDK client would never send). */
export function rawMcp(body: string, headers: Record<string, string> = {}) {
  return SELF.fetch(`${BASE}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body,
  });
}

/**
 * A tenant's audit rows once at least `count` exist. The audit row is written just after the response (the ledger
 * entries before it), so a test that reads it right after a call waits briefly for it, as an operator's view would.
 */
export async function auditRows(tenant: string, count: number, query = ""): Promise<any[]> {
  for (let attempt = 0; ; attempt++) {
    const rows = (await admin("GET", `/audit?tenant=${tenant}&limit=1000${query}`)).body.rows as any[];
    if (rows.length >= count || attempt >= 100) return rows;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

/**
 * `policy-os incidents` as an operator runs it: node on the CLI against a small local HTTP server playing the admin
 * routes, which records what the CLI asked for.
 */
vi.setConfig({ testTimeout: 60_000 });

const CLI = new URL("../../scripts/policy-os.mjs", import.meta.url).pathname;
const incident = {
  id: "inc_1",
  tenant_id: "tenant_a",
  cause: "host:payments",
  kind: "host_failing",
  status: "open",
  title: "Host payments is unavailable: its circuit is open",
  tools: ["payments.create_refund"],
  agents: ["agt_1"],
  figures: { circuit: "open", error_rate: 1, calls_in_window: 6 },
  opened_at: "2026-12-06T10:00:00.000Z",
  last_seen_at: "2026-12-06T10:05:00.000Z",
  clear_since: null,
  resolved_at: null,
  runbook_page_id: null,
  notion_page_id: "page-1",
  summary: "The payments host is down.",
  summary_by: "Claude",
};

const requests: string[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const path = new URL(req.url!, "http://x").pathname;
    const body =
      path === "/admin/incidents"
        ? { tenant: "tenant_a", open: 1, incidents: [incident] }
        : path === "/admin/incidents/inc_1"
          ? { incident }
          : null;
    res.writeHead(body ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify(body ?? { error: { code: "incident_not_found", message: "No such incident." } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function cli(...args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [CLI, ...args, "--url", url, "--token", "t", "--tenant", "tenant_a"], (error, stdout) =>
      resolve({ code: error ? Number(error.code) : 0, stdout }),
    ),
  );
}

describe("policy-os incidents", () => {
  it("lists the tenant's incidents, open first, with what is wrong and since when", async () => {
    const run = await cli("incidents", "--limit", "20");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("1 open");
    expect(run.stdout).toMatch(/inc_1\s+open\s+2026-12-06T10:00:00.000Z\s+Host payments is unavailable/);
    expect(requests).toContain("GET /admin/incidents?tenant=tenant_a&limit=20");
  });

  it("shows one incident with its figures, affected tools and agents, and Claude's labelled summary", async () => {
    const run = await cli("incidents", "show", "inc_1");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("cause host:payments");
    expect(run.stdout).toContain("tools: payments.create_refund");
    expect(run.stdout).toContain("  error_rate: 1");
    expect(run.stdout).toContain("Summary (Claude): The payments host is down.");
  });
});

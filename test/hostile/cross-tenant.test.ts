import { env, SELF } from "cloudflare:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { beforeAll, describe, expect, it } from "vitest";
import { upsertHostStatement } from "../../src/db/hosts";
import { refundApproval, standardRows } from "../fixtures/policies";
import { admin, ADMIN_TOKEN, auditRows, BASE, call, connect, newTenant, startRun } from "../support/worker";
import { bigRefund, decide, escalationRow } from "../approvals/helpers";

/**
 * Tenant B asking about tenant A's ids, through the admin API scoped to B and through B's agent on /mcp: every
 * answer is "not found" (or an empty list), carries none of A's data, and leaves A's records as they were.
 */

/** A policy row only tenant A has, tagged so A's evidence export finds it. */
const aOnlyRow = { ...refundApproval, Name: "A's own refund rule", "Policy ID": "a_only_refund_rule", Tags: ["SOX"] };

type Tenant = Awaited<ReturnType<typeof newTenant>> & { client: Client };
let a: Tenant;
let b: Tenant;
/** What tenant A has on file, by kind of id. */
const ids = { escalation: "", invocation: "", run: "", host: "a-only-host", second_agent: "", second_escalation: "" };
/** What tenant B has on file of its own, which B's listings must show. */
const bIds = { escalation: "", invocation: "" };

beforeAll(async () => {
  const [ta, tb] = await Promise.all([
    newTenant({ rows: [aOnlyRow, ...standardRows.slice(1)] }),
    newTenant({ rows: standardRows }),
  ]);
  a = { ...ta, client: await connect(ta.key) };
  b = { ...tb, client: await connect(tb.key) };
  ids.run = await startRun(a.client);
  const held = await call(a.client, "payments.create_refund", bigRefund, { run_id: ids.run });
  expect(held.outcome.outcome).toBe("pending_approval");
  ids.escalation = held.outcome.escalation_id!;
  const ran = await call(a.client, "payments.lookup_customer", { customer_id: "cus_001" }, { run_id: ids.run });
  ids.invocation = ran.outcome.invocation_id;
  await upsertHostStatement(env.DB, {
    tenant_id: a.tenant,
    id: ids.host,
    kind: "mcp",
    label: "A's upstream",
    url: "https://a-only.example/mcp",
    auth_secret: null,
    auth_header: "authorization",
    timeout_ms: 5000,
    created_at: new Date().toISOString(),
  }).run();
  // A second agent of tenant A, with its own held call: agents of one tenant do not read each other's either.
  const second = await admin("POST", `/agents?tenant=${a.tenant}`, { name: "other-bot", owner: "ops" });
  ids.second_agent = second.body.agent.id;
  const other = await call(await connect(second.body.api_key), "payments.create_refund", bigRefund);
  ids.second_escalation = other.outcome.escalation_id!;
  // B's own held call: B's listings then have data of their own, so an empty answer cannot pass for a scoped one.
  const bHeld = await call(b.client, "payments.create_refund", bigRefund);
  expect(bHeld.outcome.outcome).toBe("pending_approval");
  bIds.escalation = bHeld.outcome.escalation_id!;
  bIds.invocation = bHeld.outcome.invocation_id;
  await Promise.all([auditRows(a.tenant, 3), auditRows(b.tenant, 1)]);
});

/** Everything tenant A has that B must never see, as text to search answers for. */
const secrets = () => [ids.escalation, ids.invocation, ids.run, ids.host, a.agent_id, a.key, "a_only_refund_rule"];

function expectNothingOfA(answer: unknown) {
  const text = JSON.stringify(answer);
  for (const secret of secrets()) expect(text).not.toContain(secret);
}

describe("admin routes scoped to tenant B, given tenant A's ids", () => {
  it.for([
    {
      name: "suspending A's agent",
      send: () => admin("PATCH", `/agents/${a.agent_id}?tenant=${b.tenant}`, { status: "suspended" }),
      code: "agent_not_found",
    },
    {
      name: "suspending A's agent naming B in the query and A in the body",
      send: () => admin("PATCH", `/agents/${a.agent_id}?tenant=${b.tenant}`, { tenant: a.tenant, status: "suspended" }),
      code: "agent_not_found",
    },
    {
      name: "issuing a key for A's agent",
      send: () => admin("POST", `/agents/${a.agent_id}/keys?tenant=${b.tenant}`),
      code: "agent_not_found",
    },
    {
      name: "revoking A's key by its value",
      send: () => admin("POST", "/keys/revoke", { tenant: b.tenant, key: a.key }),
      code: "key_not_found",
    },
    {
      name: "revoking A's key by its prefix",
      send: () => admin("POST", "/keys/revoke", { tenant: b.tenant, prefix: a.key.slice(0, 12) }),
      code: "key_not_found",
    },
    {
      name: "removing A's upstream host",
      send: () => admin("DELETE", `/hosts/${ids.host}?tenant=${b.tenant}`),
      code: "host_not_found",
    },
  ])("$name is 404 $code with none of A's data, and A is unchanged", async ({ send, code }) => {
    const res = await send();
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe(code);
    expectNothingOfA({ ...res.body, error: { ...res.body.error, message: "" } });
    const agents = (await admin("GET", `/agents?tenant=${a.tenant}`)).body.agents as any[];
    expect(agents.find((agent) => agent.id === a.agent_id)).toMatchObject({ status: "active" });
    expect((await call(a.client, "payments.lookup_customer", { customer_id: "cus_001" })).outcome.success).toBe(true);
    const hosts = await env.DB.prepare("SELECT id FROM hosts WHERE tenant_id = ? AND id = ?")
      .bind(a.tenant, ids.host)
      .first();
    expect(hosts).not.toBeNull();
  });

  it.for([
    {
      name: "B's escalations",
      path: () => `/escalations?tenant=${b.tenant}&limit=500`,
      list: "escalations",
      own: () => bIds.escalation,
    },
    {
      name: "B's pending escalations",
      path: () => `/escalations?tenant=${b.tenant}&status=pending`,
      list: "escalations",
      own: () => bIds.escalation,
    },
    {
      name: "B's ledger from sequence 0",
      path: () => `/ledger?tenant=${b.tenant}&after_seq=0&limit=1000`,
      list: "entries",
      own: () => bIds.invocation,
    },
    {
      name: "B's ledger after a negative sequence",
      path: () => `/ledger?tenant=${b.tenant}&after_seq=-5`,
      list: "entries",
      own: () => bIds.invocation,
    },
    {
      name: "B's audit rows filtered by A's agent",
      path: () => `/audit?tenant=${b.tenant}&agent=${a.agent_id}`,
      list: "rows",
      own: null,
    },
    {
      name: "B's audit rows filtered by A's tool",
      path: () => `/audit?tenant=${b.tenant}&tool=payments.create_refund`,
      list: "rows",
      own: () => bIds.invocation,
    },
    { name: "B's agents", path: () => `/agents?tenant=${b.tenant}`, list: "agents", own: () => b.agent_id },
    { name: "B's policies", path: () => `/policies?tenant=${b.tenant}`, list: "rows", own: () => "refund_over_limit" },
    { name: "B's hosts", path: () => `/hosts?tenant=${b.tenant}`, list: "tools", own: () => "payments.create_refund" },
    { name: "B's Claude calls", path: () => `/claude?tenant=${b.tenant}`, list: "calls", own: null },
  ])("listing $name shows B's own data and none of A's ids", async ({ path, list, own }) => {
    const res = await admin("GET", path());
    expect(res.status).toBe(200);
    const listed = res.body[list] as unknown[];
    // The listing answered with B's own rows (or, where B has none, with none at all): only then does the absence
    // of A's ids below say the listing is scoped, rather than that it failed or listed nothing.
    if (own) {
      expect(listed.length).toBeGreaterThan(0);
      expect(JSON.stringify(listed)).toContain(own());
    } else expect(listed).toEqual([]);
    expectNothingOfA(res.body);
  });

  it("B's evidence export for A's compliance tag holds only its summary line", async () => {
    const res = await SELF.fetch(`${BASE}/admin/evidence?tenant=${b.tenant}&tag=SOX`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split("\n");
    expect(lines).toHaveLength(1);
    expectNothingOfA(lines);
    const own = await SELF.fetch(`${BASE}/admin/evidence?tenant=${a.tenant}&tag=SOX`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect((await own.text()).trim().split("\n").length).toBeGreaterThan(1);
  });

  it("replacing B's policies leaves A's policy rows in force", async () => {
    expect((await admin("PUT", `/policies?tenant=${b.tenant}`, { rows: standardRows })).status).toBe(200);
    const rows = (await admin("GET", `/policies?tenant=${a.tenant}`)).body;
    expect(JSON.stringify(rows)).toContain("a_only_refund_rule");
  });

  it.for([
    { name: "A's id in upper case", tenant: () => a.tenant.toUpperCase() },
    { name: "A's id with a trailing space", tenant: () => `${a.tenant} ` },
    { name: "a SQL wildcard", tenant: () => "%" },
    { name: "A's id with a wildcard appended", tenant: () => `${a.tenant.slice(0, -2)}%` },
    { name: "A's id with a quote appended", tenant: () => `${a.tenant}'--` },
  ])("naming the tenant as $name is 404 tenant_not_found", async ({ tenant }) => {
    const res = await admin("GET", `/escalations?tenant=${encodeURIComponent(tenant())}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("tenant_not_found");
    expect(JSON.stringify(res.body)).not.toContain(ids.escalation);
  });
});

const STATUS = "governance.escalation_status";

describe("B's agent asking the governance tool about A's ids", () => {
  it.for([
    { name: "A's escalation id", id: () => ids.escalation },
    { name: "A's invocation id", id: () => ids.invocation },
    { name: "A's run id", id: () => ids.run },
    { name: "A's escalation id in upper case", id: () => ids.escalation.toUpperCase() },
    { name: "a SQL wildcard", id: () => "%" },
    { name: "an escalation prefix with a wildcard", id: () => "esc_%" },
  ])("$name is invalid escalation_not_found, saying nothing of A's call", async ({ id }) => {
    const answer = await call(b.client, STATUS, { escalation_id: id() });
    expect(answer.outcome).toMatchObject({
      outcome: "invalid",
      success: false,
      data: null,
      error: { code: "escalation_not_found" },
    });
    expect(answer.text).not.toMatch(/create_refund|manager|cus_002/);
  });

  it("A's agent asking about another A agent's escalation is not found either", async () => {
    const answer = await call(a.client, STATUS, { escalation_id: ids.second_escalation });
    expect(answer.outcome).toMatchObject({ outcome: "invalid", error: { code: "escalation_not_found" } });
  });

  it("B's agent retrying A's approved call, naming A's escalation, does not run under A's approval", async () => {
    await decide(ids.escalation, "approved", "manager");
    const retry = await call(b.client, "payments.create_refund", bigRefund, { escalation_id: ids.escalation });
    expect(retry.outcome.success).toBe(false);
    expect(retry.outcome.escalation_id).not.toBe(ids.escalation);
    expect(await escalationRow(ids.escalation)).toMatchObject({ status: "approved", executed_at: null });
    const refunds = await call(b.client, "payments.list_refunds", { customer_id: "cus_002" });
    expect(refunds.outcome.outcome).toBe("succeeded");
    expect((refunds.outcome.data as { refunds: unknown[] }).refunds).toEqual([]);
  });
});

import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { admin, ADMIN_TOKEN, BASE, newTenant, rawMcp } from "../support/worker";

/**
 * Hostile credentials at the MCP endpoint and the admin API: every refusal is a 401 naming a reason and echoing
 * nothing of what was presented, and no refused request records anything.
 */

const lookup = JSON.stringify({
  jsonrpc: "2.0",
  id: 2,
  method: "tools/call",
  params: { name: "payments.lookup_customer", arguments: { customer_id: "cus_001" } },
});

type Tenant = Awaited<ReturnType<typeof newTenant>>;
let a: Tenant;
let b: Tenant;
let revoked = "";
let suspendedKey = "";

beforeAll(async () => {
  [a, b] = await Promise.all([newTenant(), newTenant()]);
  revoked = (await admin("POST", `/agents/${a.agent_id}/keys?tenant=${a.tenant}`)).body.api_key;
  expect((await admin("POST", "/keys/revoke", { tenant: a.tenant, key: revoked })).body).toEqual({ revoked: 1 });
  const suspended = await admin("POST", `/agents?tenant=${a.tenant}`, { name: "paused-bot", owner: "ops" });
  suspendedKey = suspended.body.api_key;
  await admin("PATCH", `/agents/${suspended.body.agent.id}`, { tenant: a.tenant, status: "suspended" });
});

async function ledgerLength(tenant: string): Promise<number> {
  return (await admin("GET", `/ledger?tenant=${tenant}&limit=1000`)).body.entries.length;
}

/** Sends a tools/call to /mcp with the given Authorization header (none when undefined). */
async function mcpWith(authorization: string | undefined) {
  const res = await rawMcp(lookup, authorization === undefined ? {} : { authorization });
  const text = await res.text();
  return { status: res.status, challenge: res.headers.get("www-authenticate"), text, json: JSON.parse(text) };
}

const refusedKeys: { name: string; header: () => string | undefined; reason: string }[] = [
  { name: "no Authorization header", header: () => undefined, reason: "missing_key" },
  { name: "an empty Authorization header", header: () => "", reason: "missing_key" },
  { name: "'Bearer' with no key", header: () => "Bearer", reason: "missing_key" },
  { name: "'Bearer ' and spaces only", header: () => "Bearer    ", reason: "missing_key" },
  { name: "the key under the Basic scheme", header: () => `Basic ${a.key}`, reason: "missing_key" },
  { name: "the key with no scheme", header: () => a.key, reason: "missing_key" },
  { name: "two keys in one header", header: () => `Bearer ${a.key} ${b.key}`, reason: "missing_key" },
  {
    name: "two Bearer credentials joined by a comma",
    header: () => `Bearer ${a.key}, Bearer ${b.key}`,
    reason: "missing_key",
  },
  {
    name: "a no-break space inside the key",
    header: () => `Bearer ${a.key.slice(0, 8)}\u00a0${a.key.slice(8)}`,
    reason: "missing_key",
  },
  { name: "garbage", header: () => "Bearer !!!';--", reason: "unknown_key" },
  { name: "the key's first 12 characters", header: () => `Bearer ${a.key.slice(0, 12)}`, reason: "unknown_key" },
  {
    name: "the key with its last character changed",
    header: () => `Bearer ${a.key.slice(0, -1)}${a.key.endsWith("x") ? "y" : "x"}`,
    reason: "unknown_key",
  },
  { name: "the key in upper case", header: () => `Bearer ${a.key.toUpperCase()}`, reason: "unknown_key" },
  {
    name: "the key with a Cyrillic о in its prefix",
    header: () => `Bearer ${a.key.replace("pos_", "p\u043es_")}`,
    reason: "unknown_key",
  },
  {
    name: "the key with a Greek ο in its prefix",
    header: () => `Bearer ${a.key.replace("pos_", "p\u03bfs_")}`,
    reason: "unknown_key",
  },
  { name: "the key with a zero-width space appended", header: () => `Bearer ${a.key}\u200b`, reason: "unknown_key" },
  { name: "the key with a soft hyphen appended", header: () => `Bearer ${a.key}\u00ad`, reason: "unknown_key" },
  { name: "a 32 KB key", header: () => `Bearer ${"k".repeat(32 * 1024)}`, reason: "unknown_key" },
  { name: "the admin token", header: () => `Bearer ${ADMIN_TOKEN}`, reason: "unknown_key" },
  {
    name: "the documented demo key, which this Worker never issued",
    header: () => "Bearer pos_demo_local_agent_key",
    reason: "unknown_key",
  },
  { name: "a revoked key", header: () => `Bearer ${revoked}`, reason: "revoked_key" },
  { name: "a suspended agent's key", header: () => `Bearer ${suspendedKey}`, reason: "agent_suspended" },
];

describe("keys the MCP endpoint refuses", () => {
  it.for(refusedKeys)(
    "$name is 401 $reason with a Bearer challenge, echoing nothing and recording nothing",
    async ({ header, reason }) => {
      const before = await ledgerLength(a.tenant);
      const presented = header();
      const res = await mcpWith(presented);
      expect(res.status).toBe(401);
      expect(res.challenge).toMatch(/^Bearer realm="policy-os"/);
      expect(res.json.error).toMatchObject({ code: -32001, data: { reason } });
      const secret = presented?.replace(/^\S+\s*/, "") ?? "";
      if (secret.length >= 8) expect(res.text).not.toContain(secret);
      expect(await ledgerLength(a.tenant)).toBe(before);
    },
  );
});

describe("keys that are the tenant's own", () => {
  it("a key with trailing spaces and a lower-case scheme is still the same key, and its call runs once", async () => {
    const before = await ledgerLength(a.tenant);
    const res = await mcpWith(`bearer   ${a.key}   `);
    expect(res.status).toBe(200);
    expect(res.json.result.structuredContent.outcome).toBe("succeeded");
    expect(await ledgerLength(a.tenant)).toBe(before + 2);
  });

  it("tenant B's key acts as tenant B only: its call lands in B's ledger and A's does not grow", async () => {
    const [beforeA, beforeB] = [await ledgerLength(a.tenant), await ledgerLength(b.tenant)];
    const res = await mcpWith(`Bearer ${b.key}`);
    expect(res.json.result.structuredContent.outcome).toBe("succeeded");
    expect(await ledgerLength(a.tenant)).toBe(beforeA);
    expect(await ledgerLength(b.tenant)).toBe(beforeB + 2);
  });
});

/** Calls the admin API with the given Authorization header. */
async function adminWith(authorization: string | undefined, path = `/admin/audit?tenant=${"{tenant}"}`) {
  const res = await SELF.fetch(`${BASE}${path.replace("{tenant}", a.tenant)}`, {
    headers: authorization === undefined ? {} : { authorization },
  });
  const text = await res.text();
  return { status: res.status, challenge: res.headers.get("www-authenticate"), text, json: JSON.parse(text) };
}

const refusedAdmin: { name: string; header: () => string | undefined }[] = [
  { name: "no Authorization header", header: () => undefined },
  { name: "an agent key", header: () => `Bearer ${a.key}` },
  { name: "the admin token with a character appended", header: () => `Bearer ${ADMIN_TOKEN}x` },
  { name: "the admin token with its last character changed", header: () => `Bearer ${ADMIN_TOKEN.slice(0, -1)}X` },
  { name: "the admin token's first half", header: () => `Bearer ${ADMIN_TOKEN.slice(0, 8)}` },
  { name: "the admin token under the Basic scheme", header: () => `Basic ${ADMIN_TOKEN}` },
  { name: "the documented local admin default", header: () => "Bearer local-admin-token" },
  { name: "a 32 KB token", header: () => `Bearer ${"t".repeat(32 * 1024)}` },
];

describe("credentials the admin API refuses", () => {
  it.for(refusedAdmin)(
    "$name is 401 unauthorized with the same body as any other wrong token, and shows no tenant data",
    async ({ header }) => {
      const res = await adminWith(header());
      expect(res.status).toBe(401);
      expect(res.challenge).toBe('Bearer realm="policy-os-admin"');
      // A near miss and a far miss are answered alike: nothing tells how close a guess was.
      expect(res.json).toEqual({
        error: { code: "unauthorized", message: "Send the admin token as 'Authorization: Bearer <ADMIN_TOKEN>'." },
      });
      expect(res.text).not.toContain(a.tenant);
    },
  );

  it("an agent key cannot change its own agent through the admin API", async () => {
    const res = await SELF.fetch(`${BASE}/admin/agents/${a.agent_id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${a.key}`, "content-type": "application/json" },
      body: JSON.stringify({ tenant: a.tenant, status: "suspended" }),
    });
    expect(res.status).toBe(401);
    const agents = (await admin("GET", `/agents?tenant=${a.tenant}`)).body.agents as { id: string; status: string }[];
    expect(agents.find((agent) => agent.id === a.agent_id)?.status).toBe("active");
  });
});

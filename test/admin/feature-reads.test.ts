import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin, connect, newTenant } from "../support/worker";

/** A tenant whose agent sees payments tools, with one runbook about refunds it may read and one about CRM. */
async function withRunbooks() {
  const t = await newTenant({ agent: { allowed_tools: ["payments.*"] } });
  const insert = (page_id: string, name: string, tools: string[]) =>
    env.DB.prepare(
      "INSERT INTO runbooks (tenant_id, page_id, name, tools, checks, status) VALUES (?, ?, ?, ?, 'Check it', 'Active')",
    )
      .bind(t.tenant, page_id, name, JSON.stringify(tools))
      .run();
  await insert("rb-refunds", "Refunds", ["payments.create_refund"]);
  await insert("rb-crm", "Contact changes", ["crm.*"]);
  return { ...t, client: await connect(t.key) };
}

/** The tenant's reads as the admin API lists them, once at least `count` are written (they are written after the answer). */
async function readsOf(tenant: string, count: number, query = ""): Promise<any[]> {
  for (let attempt = 0; ; attempt++) {
    const listed = await admin("GET", `/audit/reads?tenant=${tenant}${query}`);
    expect(listed.status).toBe(200);
    if (listed.body.reads.length >= count || attempt >= 100) return listed.body.reads;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("resource and prompt reads in the audit log (GET /admin/audit/reads)", () => {
  it("lists what the tenant's agents read, newest first: method, target, outcome, host, agent", async () => {
    const { tenant, agent_id, client } = await withRunbooks();
    await client.readResource({ uri: "policy-os://runbooks/rb-refunds" });
    await expect(client.readResource({ uri: "policy-os://runbooks/rb-crm" })).rejects.toThrow(/not found/);
    await expect(client.getPrompt({ name: "payments.nothing" })).rejects.toThrow(/not found/);

    const reads = await readsOf(tenant, 3);
    expect(reads.map((r) => [r.method, r.target, r.outcome, r.host_ref])).toEqual([
      ["prompts/get", "payments.nothing", "refused", null],
      ["resources/read", "policy-os://runbooks/rb-crm", "refused", null],
      ["resources/read", "policy-os://runbooks/rb-refunds", "read", "policy-os"],
    ]);
    expect(reads.every((r) => r.agent_id === agent_id && r.tenant_id === tenant)).toBe(true);
  });

  it("filters by method, outcome and agent, and shows one tenant nothing of another's", async () => {
    const { tenant, client } = await withRunbooks();
    const other = await withRunbooks();
    await client.readResource({ uri: "policy-os://runbooks/rb-refunds" });
    await expect(client.readResource({ uri: "policy-os://runbooks/rb-crm" })).rejects.toThrow(/not found/);
    await other.client.readResource({ uri: "policy-os://runbooks/rb-refunds" });
    await readsOf(tenant, 2);

    const refused = await readsOf(tenant, 1, "&method=resources/read&outcome=refused");
    expect(refused.map((r) => r.target)).toEqual(["policy-os://runbooks/rb-crm"]);
    expect(await readsOf(tenant, 0, "&method=prompts/get")).toEqual([]);
    expect(await readsOf(tenant, 0, `&agent=${other.agent_id}`)).toEqual([]);
    const theirs = await readsOf(other.tenant, 1);
    expect(theirs.map((r) => r.target)).toEqual(["policy-os://runbooks/rb-refunds"]);
  });

  it("holds no raw PII: an email in a URI an agent asked for is recorded redacted", async () => {
    const { tenant, client } = await withRunbooks();
    await expect(client.readResource({ uri: "policy-os://runbooks/jane.doe@example.com" })).rejects.toThrow(
      /not found/,
    );
    const [read] = await readsOf(tenant, 1);
    expect(read).toMatchObject({ method: "resources/read", outcome: "refused" });
    expect(JSON.stringify(read)).not.toContain("jane.doe@example.com");
  });

  it("answers for a tenant that exists only", async () => {
    expect(await admin("GET", `/audit/reads?tenant=nobody-here`)).toMatchObject({
      status: 404,
      body: { error: { code: "tenant_not_found" } },
    });
  });
});

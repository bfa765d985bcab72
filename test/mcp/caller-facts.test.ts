import { describe, expect, it } from "vitest";
import { bigRefund, decide, escalationRow, ledgerEntries, refundsMade } from "../approvals/helpers";
import { standardRows } from "../fixtures/policies";
import { admin, auditRows, call, connect, newTenant, startRun } from "../support/worker";

/**
 * The facts policies, caps and approvals rely on are verified, end to end through /mcp with the real MCP SDK client:
 * whom the agent acts for (its Acts for), where (its Workspaces), and in which run (minted by Policy OS only).
 */

const lookup = { customer_id: "cus_001" };
const refund = (amount_cents: number) => ({ customer_id: "cus_002", amount_cents, reason: "damaged in transit" });

/** A tenant whose agent (owned by the requester) may act for pat and work in the support workspace. */
async function desk(rows: unknown[] = [], agent: Record<string, unknown> = {}) {
  const tenant = await newTenant({ rows, agent: { acts_for: ["pat@acme.test"], workspaces: ["support"], ...agent } });
  return { ...tenant, client: await connect(tenant.key) };
}

/** The call was refused with `code`, ran nothing, and left both ledger entries and an audit row saying so. */
async function expectRefusedAndRecorded(
  tenant: string,
  answer: Awaited<ReturnType<typeof call>>,
  code: string,
): Promise<void> {
  expect(answer.outcome).toMatchObject({
    outcome: "denied",
    data: null,
    denial: { code, retryable: false },
    decision: { decision: "denied", reason_code: code },
  });
  expect(answer.outcome.evidence_ids).toHaveLength(2);
  const entries = (await ledgerEntries(tenant)).filter((e) => e.invocation_id === answer.outcome.invocation_id);
  expect(entries.map((e) => [e.kind, e.body.reason_code ?? e.body.denial_code])).toEqual([
    ["decision", code],
    ["outcome", code],
  ]);
  const audit = await auditRows(tenant, 1, `&tool=${encodeURIComponent(answer.outcome.capability_id)}`);
  expect(audit.find((row) => row.invocation_id === answer.outcome.invocation_id)).toMatchObject({
    decision: "denied",
    reason_code: code,
  });
}

/** A block policy for the people in `users`. */
const blockFor = (users: string[]) => ({
  Name: "No lookups for these people",
  "Policy ID": "no_lookups_for",
  Type: "block",
  Mode: "block",
  Status: "Active",
  Tools: "payments.lookup_customer",
  Users: users,
  "Reason code": "not_for_them",
  Message: "Lookups are not made for these people.",
});

describe("whom an agent acts for, with an API key", () => {
  it("an agent cannot act for a person outside its Acts for", async () => {
    const { tenant, client } = await desk();
    const answer = await call(client, "payments.lookup_customer", lookup, { on_behalf_of: "mallory@acme.test" });
    await expectRefusedAndRecorded(tenant, answer, "not_acting_for");
    expect(answer.text).toContain("may not act for");
  });

  it("a Users policy sees the verified person: the agent's owner when the call names nobody", async () => {
    const { client } = await desk([blockFor(["requester"])]);
    // Leaving on_behalf_of out no longer escapes a policy for the owner: the owner is whom the agent acts for.
    expect((await call(client, "payments.lookup_customer", lookup)).outcome.denial?.code).toBe("not_for_them");
    const forPat = await call(client, "payments.lookup_customer", lookup, { on_behalf_of: "pat@acme.test" });
    expect(forPat.outcome.outcome).toBe("succeeded");
  });

  it("an agent acts for a person of its Acts for as the row names them, whatever spelling the call sends", async () => {
    const { client, tenant } = await desk([blockFor(["pat@acme.test"])]);
    for (const on_behalf_of of ["pat@acme.test", "PAT@acme.test", "pat"])
      expect((await call(client, "payments.lookup_customer", lookup, { on_behalf_of })).outcome.denial?.code).toBe(
        "not_for_them",
      );
    const decision = (await ledgerEntries(tenant)).find((e) => e.kind === "decision");
    expect(decision.body.caller).toEqual({
      via: "key",
      person: "[REDACTED:email]",
      person_verified_by: "acts_for",
      workspace: null,
      run: "none",
    });
  });

  it("whom an agent may act for is set through the admin API, and takes effect on its next call", async () => {
    const { client, tenant, agent_id } = await desk();
    const forSam = () => call(client, "payments.lookup_customer", lookup, { on_behalf_of: "sam" });
    expect((await forSam()).outcome.denial?.code).toBe("not_acting_for");
    const set = await admin("PATCH", `/agents/${agent_id}?tenant=${tenant}`, { acts_for: ["sam", "pat@acme.test"] });
    expect(set).toMatchObject({ status: 200, body: { agent_id, acts_for: ["sam", "pat@acme.test"] } });
    expect((await forSam()).outcome.outcome).toBe("succeeded");
    const refused = await admin("PATCH", `/agents/${agent_id}?tenant=${tenant}`, { acts_for: [""] });
    expect(refused.status).toBe(400);
  });
});

describe("separation of duties on the verified person", () => {
  it("an approval is for one person's call: the same arguments sent for someone else wait on their own escalation", async () => {
    const { client } = await desk(standardRows, { acts_for: ["pat@acme.test", "sam@acme.test"] });
    const forPat = await call(client, "payments.create_refund", bigRefund, { on_behalf_of: "pat@acme.test" });
    const forSam = await call(client, "payments.create_refund", bigRefund, { on_behalf_of: "sam@acme.test" });
    expect(forPat.outcome.outcome).toBe("pending_approval");
    expect(forSam.outcome.outcome).toBe("pending_approval");
    expect(forSam.outcome.escalation_id).not.toBe(forPat.outcome.escalation_id);
    expect(await escalationRow(forSam.outcome.escalation_id!)).toMatchObject({ requested_for: "sam@acme.test" });

    // Sam approves Pat's request (Sam may: it is not Sam's). Sam's own call must not run under that approval.
    await decide(forPat.outcome.escalation_id!, "approved", "sam@acme.test");
    const samAgain = await call(client, "payments.create_refund", bigRefund, { on_behalf_of: "sam@acme.test" });
    expect(samAgain.outcome).toMatchObject({
      outcome: "pending_approval",
      escalation_id: forSam.outcome.escalation_id,
    });
    expect(await refundsMade(client)).toEqual([]);
    const patAgain = await call(client, "payments.create_refund", bigRefund, { on_behalf_of: "pat@acme.test" });
    expect(patAgain.outcome.outcome).toBe("succeeded");
  });

  it("the held call's escalation keeps how its caller facts were verified, for its approval page", async () => {
    const { client } = await desk(standardRows);
    const run_id = await startRun(client);
    const held = await call(client, "payments.create_refund", bigRefund, {
      on_behalf_of: "pat",
      workspace: "support",
      run_id,
    });
    const row = await escalationRow(held.outcome.escalation_id!);
    expect(JSON.parse(row!.caller)).toEqual({
      via: "key",
      person: "pat@acme.test",
      person_verified_by: "acts_for",
      workspace: "support",
      run: "minted",
    });
  });
});

describe("the workspace an agent names", () => {
  it("an agent cannot name a workspace outside its Workspaces", async () => {
    const { tenant, client } = await desk();
    const answer = await call(client, "payments.lookup_customer", lookup, { workspace: "finance" });
    await expectRefusedAndRecorded(tenant, answer, "workspace_not_allowed");
    const inside = await call(client, "payments.lookup_customer", lookup, { workspace: "support" });
    expect(inside.outcome.outcome).toBe("succeeded");
  });

  it("an agent with no Workspaces may name none", async () => {
    const { tenant, client } = await desk([], { workspaces: [] });
    const answer = await call(client, "payments.lookup_customer", lookup, { workspace: "support" });
    await expectRefusedAndRecorded(tenant, answer, "workspace_not_allowed");
    expect((await call(client, "payments.lookup_customer", lookup)).outcome.outcome).toBe("succeeded");
  });
});

describe("runs", () => {
  it("governance.start_run is listed to every agent and returns a run id and its expiry", async () => {
    const { client } = await desk([], { allowed_tools: ["crm.get_contact"] });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain("governance.start_run");
    const started = await call(client, "governance.start_run", { ttl_seconds: 3600 });
    expect(started.outcome).toMatchObject({ outcome: "succeeded", capability_id: "governance.start_run" });
    const run = started.outcome.data as { run_id: string; expires_at: string; issued_at: string };
    expect(run.run_id).toMatch(/^run_/);
    expect(Date.parse(run.expires_at) - Date.parse(run.issued_at)).toBe(3_600_000);
    const used = await call(client, "crm.get_contact", { contact_id: "con_001" }, { run_id: run.run_id });
    expect(used.outcome).toMatchObject({ outcome: "succeeded", correlation: { run_id: run.run_id } });
  });

  it("a run id Policy OS did not mint is refused", async () => {
    const { tenant, client } = await desk();
    const run_id = await startRun(client);
    const forged = `${run_id.slice(0, -2)}${run_id.endsWith("AA") ? "BB" : "AA"}`;
    await expectRefusedAndRecorded(
      tenant,
      await call(client, "payments.lookup_customer", lookup, { run_id: forged }),
      "unknown_run",
    );
    for (const made_up of ["run-2026-12-06-0042", 5])
      expect((await call(client, "payments.lookup_customer", lookup, { run_id: made_up })).outcome.denial?.code).toBe(
        "unknown_run",
      );
  });

  it("a run id minted for another agent or another tenant is refused", async () => {
    const { tenant, client } = await desk();
    const colleague = await admin("POST", `/agents?tenant=${tenant}`, { name: "colleague" });
    const theirs = await admin("POST", `/runs?tenant=${tenant}`, { agent_id: colleague.body.agent.id });
    expect(theirs.status).toBe(201);
    const other = await desk();
    const elsewhere = await startRun(other.client);
    for (const run_id of [theirs.body.run_id, elsewhere])
      expect((await call(client, "payments.lookup_customer", lookup, { run_id })).outcome.denial?.code).toBe(
        "unknown_run",
      );
    const own = await admin("POST", `/runs?tenant=${tenant}`, { agent_id: (await agentOf(tenant)).id });
    const ran = await call(client, "payments.lookup_customer", lookup, { run_id: own.body.run_id });
    expect(ran.outcome.outcome).toBe("succeeded");
  });

  it("POST /admin/runs refuses an agent the tenant does not have", async () => {
    const { tenant } = await desk();
    const missing = await admin("POST", `/runs?tenant=${tenant}`, { agent_id: "agt_nobody" });
    expect(missing).toMatchObject({ status: 404, body: { error: { code: "agent_not_found" } } });
  });

  it("a per-run cap counts on minted runs only: fresh run ids the agent makes up spend nothing, and calls without a run share one bucket", async () => {
    const perRun = {
      Name: "At most $20 of refunds per run",
      "Policy ID": "run_refund_cap",
      Type: "cost",
      Mode: "block",
      Status: "Active",
      Tools: "payments.create_refund",
      Cap: 2_000,
      Unit: "usd_cents",
      Window: "run",
      Per: "run",
      Cost: "args.amount_cents",
      Message: "A run refunds at most $20.",
    };
    const { client } = await desk([perRun]);
    const outcomes: string[] = [];
    // Twelve $5 refunds, each claiming a run of its own: before runs were minted, each one was a fresh run.
    for (let i = 0; i < 12; i++)
      outcomes.push(
        (await call(client, "payments.create_refund", refund(500), { run_id: `run_${i}` })).outcome.outcome,
      );
    expect(outcomes.every((outcome) => outcome === "denied")).toBe(true);
    expect(await refundsMade(client)).toEqual([]);

    // Twelve more without a run id: they count in the agent's one bucket, so $20 is all that is refunded.
    const unrun = [];
    for (let i = 0; i < 12; i++) unrun.push((await call(client, "payments.create_refund", refund(500))).outcome);
    expect(unrun.filter((outcome) => outcome.outcome === "succeeded")).toHaveLength(4);
    expect(unrun.at(-1)!.denial).toMatchObject({ code: "budget_exhausted", details: { scope: "run" } });
    expect((await refundsMade(client)).reduce((sum, r) => sum + r.amount_cents, 0)).toBe(2_000);

    // A minted run has its own $20.
    const run_id = await startRun(client);
    const inRun = [];
    for (let i = 0; i < 6; i++)
      inRun.push((await call(client, "payments.create_refund", refund(500), { run_id })).outcome.outcome);
    expect(inRun).toEqual(["succeeded", "succeeded", "succeeded", "succeeded", "denied", "denied"]);
    expect((await refundsMade(client)).reduce((sum, r) => sum + r.amount_cents, 0)).toBe(4_000);
  });
});

async function agentOf(tenant: string): Promise<{ id: string }> {
  return (await admin("GET", `/agents?tenant=${tenant}`)).body.agents[0];
}

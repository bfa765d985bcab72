import { env } from "cloudflare:test";
import { isFullBlock, isFullPage } from "@notionhq/client";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { useEmulatorNetwork } from "../emulator/helpers";
import { anthropicFake, useClaudeKey, type AnthropicBehaviour } from "../fakes/anthropic";
import { seedCalls, type SeedCall } from "../digest/seed";
import { standardRows } from "../fixtures/policies";
import { blockTextOf, connectedTenant, disconnectAfterEach, propertyOf } from "../support/notion-tenant";
import { admin, call, connect, newTenant } from "../support/worker";

/** An answer the Messages API should never give: a 200 whose body is not a message at all. */
const broken = { body: null as string | null, served: 0 };
const brokenAnswers = http.post("https://api.anthropic.com/v1/messages", () => {
  if (broken.body === null) return undefined;
  broken.served++;
  return new HttpResponse(broken.body, { status: 200, headers: { "content-type": "application/json" } });
});

const claude = anthropicFake();
useEmulatorNetwork(brokenAnswers, claude.handler);
disconnectAfterEach();
useClaudeKey(claude);

/** How Anthropic fails: one of the fake's behaviours, or a broken 200 body. */
type Failure = AnthropicBehaviour | { broken: string };

/** Makes the next Messages API requests fail as `failure` says. */
function anthropicFails(failure: Failure) {
  broken.body = "broken" in failure ? failure.broken : null;
  if (!("broken" in failure)) claude.answer(failure);
}

/** Every way Anthropic can fail a request, with the `claude_calls.outcome` it is recorded as. */
const FAILURES: [string, Failure, string][] = [
  ["a 429", { status: 429 }, "rate_limited"],
  ["a 500", { status: 500 }, "error"],
  ["a 529 (overloaded)", { status: 529 }, "error"],
  ["a timeout", { hang_ms: 800 }, "timeout"],
  ["a body that is not JSON", { broken: '{"id": "msg_1", "content": [' }, "error"],
  ["JSON that is not a message", { broken: '{"hello": "world"}' }, "invalid_output"],
  ["prose instead of the tool call", { text: "Sure! Approve it." }, "invalid_output"],
];

/** The failures other test files already prove for a purpose (test/claude, test/guards/moderation.test.ts). */
const provenElsewhere = (names: string[]) => FAILURES.filter(([name]) => !names.includes(name));

const claudeCalls = (tenant: string, purpose: string) =>
  env.DB.prepare("SELECT outcome FROM claude_calls WHERE tenant_id = ? AND purpose = ? ORDER BY created_at")
    .bind(tenant, purpose)
    .all<{ outcome: string }>()
    .then((result) => result.results.map((row) => row.outcome));

/** Waits until `read` gives a value `check` accepts (a summary is asked for after the agent's answer). */
async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const value = await read();
    if (check(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const escalationRow = (id: string) =>
  env.DB.prepare("SELECT status, notion_page_id, summary_by, summary_attempts FROM escalations WHERE id = ?")
    .bind(id)
    .first<{ status: string; notion_page_id: string | null; summary_by: string | null; summary_attempts: number }>();

type Tenant = Awaited<ReturnType<typeof connectedTenant>>;

async function firstParagraph(t: Tenant, page_id: string) {
  const blocks = (await t.manager.blocks.children.list({ block_id: page_id })).results.filter(isFullBlock);
  const first = blocks.find((block) => !block.in_trash && block.type === "paragraph");
  return first ? blockTextOf(first) : "";
}

const refund = { customer_id: "cus_002", amount_cents: 75_000, reason: "damaged in transit" };

/** The refunds the demo payments host has made for cus_002. */
async function refundsMade(agent: Awaited<ReturnType<typeof connect>>) {
  const listed = await call(agent, "payments.list_refunds", { customer_id: "cus_002" });
  return (listed.outcome.data as { refunds: unknown[] }).refunds;
}

/** A tenant's ledger entries for one invocation. */
async function entriesOf(tenant: string, invocation_id: string) {
  const entries = (await admin("GET", `/ledger?tenant=${tenant}`)).body.entries as {
    kind: string;
    invocation_id?: string;
  }[];
  return entries.filter((entry) => entry.invocation_id === invocation_id).map((entry) => entry.kind);
}

describe("an escalation summary while Anthropic fails", () => {
  it.for(provenElsewhere(["a 429", "a 500", "a timeout"]))(
    "after %s, the page still appears with the template summary, labelled, and the call stays held",
    async ([, failure, outcome]) => {
      anthropicFails(failure);
      const t = await connectedTenant();
      const agent = await connect(t.key);
      const held = await call(agent, "payments.create_refund", refund);
      expect(held.outcome).toMatchObject({ outcome: "pending_approval", escalation_id: expect.any(String) });
      const id = held.outcome.escalation_id!;
      await until(
        () => claudeCalls(t.tenant, "escalation_summary"),
        (calls) => calls.length === 1,
        "the summary's call",
      );
      const row = await until(
        () => escalationRow(id),
        (r) => Boolean(r?.notion_page_id) && r!.summary_attempts === 1,
        "the summary attempt",
      );
      expect(row).toMatchObject({ status: "pending", summary_by: "Template" });
      expect(await firstParagraph(t, row!.notion_page_id!)).toMatch(/^Summary \(template\): /);
      expect(await claudeCalls(t.tenant, "escalation_summary")).toEqual([outcome]);
      expect(await refundsMade(agent)).toHaveLength(0);
    },
  );

  it("leaves the approved call to run exactly once: a failed summary changes nothing about the approval", async () => {
    anthropicFails({ broken: "not json at all" });
    const t = await connectedTenant();
    const agent = await connect(t.key);
    const id = (await call(agent, "payments.create_refund", refund)).outcome.escalation_id!;
    await until(
      () => escalationRow(id),
      (r) => r?.summary_attempts === 1,
      "the summary attempt",
    );
    await env.DB.prepare("UPDATE escalations SET status = 'approved', decided_by = 'ops', decided_at = ? WHERE id = ?")
      .bind(new Date().toISOString(), id)
      .run();

    const ran = await call(agent, "payments.create_refund", refund);
    expect(ran.outcome).toMatchObject({ outcome: "succeeded", escalation_id: id });
    // Its decision, the escalation's `executed` entry and its outcome: nothing about Claude.
    expect(await entriesOf(t.tenant, ran.outcome.invocation_id)).toEqual(["decision", "escalation", "outcome"]);
    expect((await call(agent, "payments.create_refund", refund)).outcome.denial?.code).toBe("approval_already_used");
    expect(await refundsMade(agent)).toHaveLength(1);
  });
});

/** A content policy that asks Claude to flag threats in contact notes, in `mode`. */
const noThreats = (mode: string) => ({
  Name: "No threats in notes",
  "Policy ID": "no_threats",
  Type: "content",
  Mode: mode,
  Status: "Active",
  Tools: "crm.update_contact",
  Approvers: ["ops"],
  Moderation: "Threats against a person, or pressure to pay outside our systems.",
  "Reason code": "threatening_note",
});

/** A tenant under `rows` whose agent edits a contact's notes, and reads them back. */
async function desk(rows: unknown[]) {
  const tenant = await newTenant({ rows });
  const client = await connect(tenant.key);
  const edit = (notes: string) => call(client, "crm.update_contact", { contact_id: "con_002", fields: { notes } });
  const notes = async () =>
    ((await call(client, "crm.get_contact", { contact_id: "con_002" })).outcome.data as any).contact.notes;
  return { ...tenant, client, edit, notes };
}

const withoutOutcome = (failures: typeof FAILURES) =>
  failures.map(([name, failure]): [string, Failure] => [name, failure]);

const MALFORMED_FINDINGS: [string, Failure][] = [
  ["findings that do not fit the schema", { answer: { findings: "none" } }],
  ["findings without paths", { answer: { findings: [{ category: "threat" }] } }],
];

/** Every failure, for the modes whose failures no other file proves; `block` is proven for 429, 500 and timeouts. */
const MODERATION_FAILURES: Record<string, [string, Failure][]> = {
  block: [...withoutOutcome(provenElsewhere(["a 429", "a 500", "a timeout"])), ...MALFORMED_FINDINGS],
  redact: [...withoutOutcome(FAILURES), ...MALFORMED_FINDINGS],
  pause: [...withoutOutcome(FAILURES), ...MALFORMED_FINDINGS],
};

describe("a moderation pass while Anthropic fails", () => {
  for (const mode of ["block", "redact"])
    it.for(MODERATION_FAILURES[mode]!)(
      `under a ${mode} policy, after %s, denies with moderation_unavailable (retryable), runs nothing and records both ledger entries`,
      async ([, failure]) => {
        anthropicFails(failure);
        const { edit, notes, tenant } = await desk([noThreats(mode)]);
        const before = await notes();
        const denied = await edit("Pay by Friday or else");
        expect(denied.outcome).toMatchObject({
          outcome: "denied",
          denial: { code: "moderation_unavailable", retryable: true },
        });
        expect(await notes()).toBe(before);
        expect(await entriesOf(tenant, denied.outcome.invocation_id)).toEqual(["decision", "outcome"]);
        expect(await claudeCalls(tenant, "moderation")).toHaveLength(1);
      },
    );

  it.for(MODERATION_FAILURES.pause!)(
    "under a pause policy, after %s, holds the call for a person and runs nothing",
    async ([, failure]) => {
      anthropicFails(failure);
      const { edit, notes } = await desk([...standardRows, noThreats("pause")]);
      const before = await notes();
      const held = await edit("Pay by Friday or else");
      expect(held.outcome).toMatchObject({ outcome: "pending_approval", escalation_id: expect.any(String) });
      expect(held.outcome.denial?.details).toMatchObject({ policy: "no_threats" });
      expect(await notes()).toBe(before);
    },
  );
});

const WEEK = "2026-11-16";

/** A week of 4 calls: 3 authorized, 1 denied. */
async function seededWeek(tenant: string) {
  const row = (decision: "authorized" | "denied"): SeedCall => ({
    tool: "crm.search",
    decision,
    reason_code: decision === "denied" ? "refund_blocked" : "allowed",
    outcome: decision === "denied" ? "denied" : "succeeded",
    agent_id: "agt_plain",
    at: "2026-11-17T10:00:00.000Z",
  });
  await seedCalls(tenant, [row("authorized"), row("authorized"), row("authorized"), row("denied")]);
}

describe("the digest narrative while Anthropic fails", () => {
  it.for([
    ...provenElsewhere(["a 529 (overloaded)"]),
    ["paragraphs that are not a list", { answer: { paragraphs: "A quiet week." } }, "invalid_output"],
  ] as [string, Failure, string][])(
    "after %s, the page still has every figure, with the template's narrative labelled as such",
    async ([, failure, outcome]) => {
      anthropicFails(failure);
      const t = await connectedTenant();
      await seededWeek(t.tenant);

      const written = await admin("POST", `/digest?tenant=${t.tenant}`, { week: WEEK });
      expect(written.status).toBe(200);
      expect(written.body.digest).toMatchObject({ written_by: "Template", page: { status: "created" } });
      const pages = (await t.manager.dataSources.query({ data_source_id: t.ids.digests! })).results.filter(isFullPage);
      expect(pages).toHaveLength(1);
      const page = pages[0]!;
      expect(propertyOf(page, "Calls")).toBe(4);
      expect(propertyOf(page, "Denied")).toBe(1);
      expect(propertyOf(page, "Written by")).toBe("Template");
      expect(await firstParagraph(t, page.id)).toMatch(/^Narrative \(template\): In the week of 2026-11-16/);
      expect(await claudeCalls(t.tenant, "digest")).toEqual([outcome]);
    },
  );
});

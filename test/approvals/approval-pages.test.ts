import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { isFullBlock, isFullPage, type PageObjectResponse } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import { ensureApprovalPage, ensureApprovalPages } from "../../src/approvals/approval-pages";
import type { Escalation } from "../../src/approvals/escalations";
import worker from "../../src/index";
import {
  approvalPage,
  approvalTitle,
  ARGUMENTS_NOTE,
  type ApprovalPageInput,
} from "../../src/notion/approvals/approval-page";
import { notionApprovalPages } from "../../src/notion/approvals/notion-approval-pages";
import { text, useEmulatorNetwork } from "../emulator/helpers";
import { blockTextOf, connectedTenant, disconnectAfterEach, MANAGER_ID, propertyOf } from "../support/notion-tenant";
import { admin, call, connect, newTenant } from "../support/worker";

useEmulatorNetwork();

disconnectAfterEach();

/** The Worker's Approvals pages in Notion, as the pipeline and the cron reach them. */
const pages = notionApprovalPages(env);

const refund = (amount_cents: number) => ({ customer_id: "cus_001", amount_cents, reason: "damaged in transit" });

/** Makes a call the sample policy holds and returns its escalation id. */
async function heldCall(key: string, amount_cents = 60_000): Promise<string> {
  const held = await call(await connect(key), "payments.create_refund", refund(amount_cents));
  expect(held.outcome).toMatchObject({ outcome: "pending_approval", escalation_id: expect.any(String) });
  return held.outcome.escalation_id!;
}

async function approvalRows(t: Awaited<ReturnType<typeof connectedTenant>>): Promise<PageObjectResponse[]> {
  const rows = await t.manager.dataSources.query({ data_source_id: t.ids.approvals! });
  return rows.results.filter(isFullPage);
}

async function blocksOf(t: Awaited<ReturnType<typeof connectedTenant>>, page_id: string) {
  const blocks = await t.manager.blocks.children.list({ block_id: page_id, page_size: 100 });
  return blocks.results.filter(isFullBlock);
}

const plain = (parts: readonly { plain_text: string }[]) => parts.map((part) => part.plain_text).join("");

async function escalationRow(id: string) {
  return env.DB.prepare("SELECT * FROM escalations WHERE id = ?").bind(id).first<Record<string, string | null>>();
}

/**
 * The escalation once the held call's own attempt at its page has settled (the pipeline writes the page just
 * after answering the agent): a page id, or an attempt whose claim was given up.
 */
async function settled(id: string) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const row = (await escalationRow(id))!;
    if (row.notion_page_id || (row.notion_page_attempted_at && !row.notion_page_claimed_until)) return row;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`the page of ${id} never settled`);
}

/** Wraps the emulator so the Worker's creates of Approvals pages can be counted and made to fail. */
function watchApprovalCreates(t: Awaited<ReturnType<typeof connectedTenant>>) {
  const watch = { creates: 0, fail: null as null | "after_storing" | "before_storing" };
  const handle = t.emulator.handle.bind(t.emulator);
  t.emulator.handle = async (request: Request) => {
    const isCreate =
      request.method === "POST" &&
      new URL(request.url).pathname === "/v1/pages" &&
      request.headers.get("authorization") === "Bearer secret_emulator" &&
      ((await request.clone().json()) as { parent?: { data_source_id?: string } }).parent?.data_source_id ===
        t.ids.approvals;
    if (!isCreate) return handle(request);
    watch.creates++;
    const failing = watch.fail;
    watch.fail = null;
    if (failing === "after_storing") await handle(request);
    if (failing === null) return handle(request);
    return Response.json(
      {
        object: "error",
        status: failing === "after_storing" ? 500 : 503,
        code: "internal_server_error",
        message: "down",
      },
      { status: failing === "after_storing" ? 500 : 503 },
    );
  };
  return watch;
}

describe("Approvals pages in Notion", () => {
  it("gives a held call its page at once, saying what the agent wants, with its properties, arguments and body", async () => {
    const t = await connectedTenant();
    const earlier = await heldCall(t.key, 70_000);
    await env.DB.prepare(
      "UPDATE escalations SET status = 'approved', decided_by = 'manager@example.com', decided_at = ? WHERE id = ?",
    )
      .bind("2026-01-02T03:04:05.000Z", earlier)
      .run();
    const id = await heldCall(t.key);

    const escalation = await settled(id);
    const rows = (await approvalRows(t)).filter((row) => propertyOf(row, "Escalation ID") === id);
    expect(rows).toHaveLength(1);
    const page = rows[0]!;
    expect(escalation.notion_page_id).toBe(page.id);
    const policyRow = await t.manager.dataSources.query({
      data_source_id: t.ids.policies!,
      filter: { property: "Policy ID", rich_text: { equals: "refund-over-limit" } },
    });
    expect({
      Request: propertyOf(page, "Request"),
      Decision: propertyOf(page, "Decision"),
      Tool: propertyOf(page, "Tool"),
      "Reason code": propertyOf(page, "Reason code"),
      "Escalation ID": propertyOf(page, "Escalation ID"),
      "Args hash": propertyOf(page, "Args hash"),
      "Requested at": propertyOf(page, "Requested at"),
      Expires: propertyOf(page, "Expires"),
      Approvers: propertyOf(page, "Approvers"),
      Policy: propertyOf(page, "Policy"),
      Agent: propertyOf(page, "Agent"),
    }).toEqual({
      Request: "support-bot wants to run payments.create_refund (refund_over_limit)",
      Decision: "Pending",
      Tool: "payments.create_refund",
      "Reason code": "refund_over_limit",
      "Escalation ID": id,
      "Args hash": escalation.args_hash,
      "Requested at": escalation.created_at,
      Expires: escalation.expires_at,
      Approvers: [MANAGER_ID],
      Policy: [policyRow.results[0]!.id],
      Agent: [t.agentRow],
    });

    const blocks = await blocksOf(t, page.id);
    const texts = blocks.map(blockTextOf);
    expect(texts[0]).toMatch(/^Summary \(template\): support-bot asks to run payments\.create_refund for requester/);
    expect(texts).toContain("Arguments");
    const code = blocks.find((block) => block.type === "code" && block.code.language === "json")!;
    expect(JSON.parse(blockTextOf(code))).toEqual(refund(60_000));
    expect(texts).toContainEqual(
      expect.stringMatching(/^Refunds over \$500 need a manager \(refund-over-limit\) held the call/),
    );
    const condition = blocks.find((block) => block.type === "code" && block.code.language !== "json");
    expect(condition && blockTextOf(condition)).toBe("args.amount_cents > 50000");
    const runbook = blocks.find((block) => blockTextOf(block).startsWith("Check before deciding: "))!;
    expect(blockTextOf(runbook)).toBe("Check before deciding: Refunds over the limit");
    const link = runbook.type === "paragraph" ? runbook.paragraph.rich_text[1]?.href : null;
    expect(link).toMatch(/^https:\/\/www\.notion\.so\/[0-9a-f]{32}$/);
    expect(texts).toContain("The order exists and was paid.");
    expect(texts).toContain("payments.create_refund: Approved by manager@example.com at 2026-01-02T03:04:05.000Z");
  });

  it("creates nothing more when it runs again, for the tenant or for the one escalation", async () => {
    const t = await connectedTenant();
    const id = await heldCall(t.key);
    const first = { page_id: (await settled(id)).notion_page_id };
    expect(first.page_id).toEqual(expect.any(String));

    expect(await ensureApprovalPages(env.DB, pages, t.tenant)).toEqual({
      tenant_id: t.tenant,
      created: 0,
      found: 0,
      failed: 0,
    });
    expect(await ensureApprovalPage(env.DB, pages, id)).toEqual({ status: "exists", page_id: first.page_id });
    expect(await approvalRows(t)).toHaveLength(1);
  });

  it("finds the page a create answered with 500 after Notion stored it, and never creates it twice", async () => {
    const t = await connectedTenant();
    const watch = watchApprovalCreates(t);
    watch.fail = "after_storing";
    const id = await heldCall(t.key);

    expect(await settled(id)).toMatchObject({ notion_page_id: null, notion_page_attempted_at: expect.any(String) });

    expect(await ensureApprovalPages(env.DB, pages, t.tenant)).toMatchObject({ created: 0, found: 1, failed: 0 });
    const rows = await approvalRows(t);
    expect(rows).toHaveLength(1);
    expect(watch.creates).toBe(1);
    expect((await escalationRow(id))?.notion_page_id).toBe(rows[0]!.id);
  });

  it("leaves the page for the next pass while Notion is down, then creates it once", async () => {
    const t = await connectedTenant();
    const watch = watchApprovalCreates(t);
    watch.fail = "before_storing";
    const id = await heldCall(t.key);

    expect(await settled(id)).toMatchObject({ notion_page_id: null });
    expect(await approvalRows(t)).toHaveLength(0);

    expect(await ensureApprovalPages(env.DB, pages, t.tenant)).toMatchObject({ created: 1, found: 0, failed: 0 });
    expect(await approvalRows(t)).toHaveLength(1);
    expect(watch.creates).toBe(2);
  });

  it("writes a tenant's pages only to its own Approvals database and never reads another tenant's escalations", async () => {
    const t = await connectedTenant();
    const otherPage = await t.manager.pages.create({
      parent: { type: "page_id", page_id: t.emulator.rootPageId },
      properties: { title: { title: text("Another workspace's Policy OS") } },
    });
    const other = await connectedTenant({ emulator: t.emulator, parent_page_id: otherPage.id });
    expect(other.ids.approvals).not.toBe(t.ids.approvals);
    const mine = await heldCall(t.key);
    await settled(mine);
    expect((await approvalRows(t)).map((page) => propertyOf(page, "Escalation ID"))).toEqual([mine]);
    expect(await approvalRows(other)).toHaveLength(0);

    const theirs = await heldCall(other.key);
    await settled(theirs);
    expect((await approvalRows(other)).map((page) => propertyOf(page, "Escalation ID"))).toEqual([theirs]);
    expect(await approvalRows(t)).toHaveLength(1);
    // A pass for one tenant reads only its own escalations.
    expect(await ensureApprovalPages(env.DB, pages, t.tenant)).toMatchObject({ created: 0, found: 0, failed: 0 });
  });

  it("skips a tenant without a Notion connection", async () => {
    const tenant = await newTenant({ rows: [] });
    expect(await ensureApprovalPages(env.DB, pages, tenant.tenant)).toMatchObject({
      skipped: "no_connection",
      created: 0,
    });
  });

  it("keeps an argument of 10,000 characters, and many long ones, within Notion's limits", async () => {
    const t = await connectedTenant();
    const watch = watchApprovalCreates(t);
    watch.fail = "before_storing";
    const id = await heldCall(t.key);
    await settled(id);
    // Arguments bigger than any call the demo host accepts, recorded as the page would show them.
    await env.DB.prepare("UPDATE escalations SET arguments = NULL WHERE id = ?").bind(id).run();
    const long = "x".repeat(10_000);
    const args = {
      ...refund(60_000),
      note: long,
      extra: Object.fromEntries([...Array(300)].map((_, i) => [`k${i}`, long])),
    };

    expect(await ensureApprovalPage(env.DB, pages, id, { arguments: args })).toMatchObject({ status: "created" });
    const page = (await approvalRows(t))[0]!;
    const blocks = await blocksOf(t, page.id);
    expect(blocks.map(blockTextOf)).toContain(ARGUMENTS_NOTE);
    const code = blocks.find((block) => block.type === "code" && block.code.language === "json")!;
    const shown = blockTextOf(code);
    expect(shown).toContain('"amount_cents": 60000');
    expect(shown).toContain(`"note": "${"x".repeat(199)}…"`);
    expect(shown).toMatch(/characters in all; the rest is not shown\)$/);
    expect(shown.length).toBeLessThanOrEqual(20_000);
  });

  it("writes from the cron the pages held calls could not write at once, for every connected tenant", async () => {
    const t = await connectedTenant();
    const watch = watchApprovalCreates(t);
    watch.fail = "before_storing";
    const id = await heldCall(t.key);
    await settled(id);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect((await approvalRows(t)).map((page) => propertyOf(page, "Escalation ID"))).toEqual([id]);
    // Let the write-back the cron's sync started finish while Notion is still faked.
    await admin("POST", `/sync?tenant=${t.tenant}`, { wait: true });
  });
});

describe("the Approvals page content", () => {
  const escalation = {
    id: "esc_1",
    tenant_id: "acme",
    agent_id: "agt_1",
    tool: "payments.create_refund",
    args_hash: "sha256:abc",
    invocation_id: "inv_1",
    status: "pending",
    reason_code: "refund_over_limit",
    message: "Refunds over $500 need a manager's approval.",
    policy_ids: ["refund-over-limit"],
    policy_count: 1,
    approvers: ["manager", "finance"],
    requested_for: "requester",
    snapshot: "sha256:def",
    created_at: "2026-01-01T00:00:00.000Z",
    expires_at: "2026-01-02T00:00:00.000Z",
    decided_by: null,
    decided_at: null,
    executed_at: null,
  } as Escalation;
  const input: ApprovalPageInput = {
    escalation,
    arguments: { amount_cents: 60_000, api_key: "sk_live_123" },
    approvals_data_source_id: "ds_approvals",
    agent: { name: "support-bot", page_id: null },
    policy: {
      id: "refund-over-limit",
      name: "Refunds over $500",
      condition: "args.amount_cents > 50000",
      page_id: null,
    },
    runbook: null,
    recent: [],
    people: new Map([["manager", MANAGER_ID]]),
  };
  const texts = (parameters: ReturnType<typeof approvalPage>) =>
    (parameters.children ?? []).map((block) =>
      plain(
        (
          (block as Record<string, unknown>)[Object.keys(block)[0]!] as { rich_text: { text: { content: string } }[] }
        ).rich_text.map((part) => ({ plain_text: part.text.content })),
      ),
    );

  it("titles the page in plain words, at most 200 characters", () => {
    expect(approvalTitle("support-bot", escalation)).toBe(
      "support-bot wants to run payments.create_refund (refund_over_limit)",
    );
    const long = approvalTitle("a".repeat(300), escalation);
    expect(long).toHaveLength(200);
    expect(long.endsWith("…")).toBe(true);
  });

  it("resolves the approvers it can and names the others in the body, never guessing", () => {
    const page = approvalPage(input);
    expect(page.properties?.Approvers).toEqual({ people: [{ id: MANAGER_ID }] });
    expect(texts(page)).toContainEqual(
      expect.stringMatching(/^Approvers not found in this Notion workspace: finance\./),
    );
  });

  it("hides values under credential-like keys and says how the arguments were redacted", () => {
    const body = texts(approvalPage(input));
    expect(body).toContain(ARGUMENTS_NOTE);
    const code = body.find((line) => line.includes("amount_cents"))!;
    expect(code).toContain('"api_key": "[hidden: the key looks like a credential]"');
    expect(code).not.toContain("sk_live_123");
  });

  it("stays inside Notion's limits whatever the arguments, names and runbook hold", () => {
    const huge = "y".repeat(50_000);
    const page = approvalPage({
      ...input,
      escalation: { ...escalation, tool: huge, reason_code: huge, message: huge, approvers: [huge] },
      arguments: Object.fromEntries([...Array(2_000)].map((_, i) => [`key_${i}`, huge])),
      agent: { name: huge, page_id: null },
      policy: { ...input.policy!, name: huge, condition: huge },
      runbook: { name: huge, checks: `${huge}\n`.repeat(50), page_id: "0000" },
      recent: [...Array(20)].map(() => ({ tool: huge, status: "denied" as const, decided_by: huge, decided_at: null })),
    });
    const arrays: { text: { content: string } }[][] = [];
    for (const value of Object.values(page.properties ?? {})) {
      const v = value as { title?: never[]; rich_text?: never[] };
      if (v.title) arrays.push(v.title);
      if (v.rich_text) arrays.push(v.rich_text);
    }
    for (const block of page.children ?? [])
      arrays.push(((block as Record<string, unknown>)[Object.keys(block)[0]!] as { rich_text: never[] }).rich_text);
    expect(page.children!.length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(page).length).toBeLessThan(500_000);
    for (const array of arrays) {
      expect(array.length).toBeLessThanOrEqual(100);
      for (const part of array) expect(part.text.content.length).toBeLessThanOrEqual(2_000);
    }
    const title = (page.properties?.Request as { title: { text: { content: string } }[] }).title;
    expect(title.map((part) => part.text.content).join("").length).toBeLessThanOrEqual(200);
  });
});

import { env } from "cloudflare:test";
import { isFullPage, type BlockObjectResponse } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import { text, useEmulatorNetwork } from "../emulator/helpers";
import { blockTextOf, connectedTenant, disconnectAfterEach } from "../support/notion-tenant";
import { admin, call, connect } from "../support/worker";

useEmulatorNetwork();
disconnectAfterEach();

/** Each test runs several syncs, each paced by the Notion gate: more than the default 20 s on a busy machine. */
const SYNCS_TIMEOUT_MS = 60_000;

const REFUND = "payments.create_refund";
const refund = (amount_cents: number) => ({ customer_id: "cus_001", amount_cents, reason: "damaged in transit" });

/** Waits until the tenant has `count` decision inputs (they are written just after each answer). */
async function inputsRecorded(tenant: string, count: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM decision_inputs WHERE tenant_id = ?")
      .bind(tenant)
      .first<{ n: number }>();
    if ((row?.n ?? 0) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`decision inputs of ${tenant} never reached ${count}`);
}

describe("a release that turns a Shadow row Active", () => {
  it(
    "shows on its page what the row would have done to the recorded calls while in shadow",
    async () => {
      const t = await connectedTenant();
      const shadow = await t.manager.pages.create({
        parent: { type: "data_source_id", data_source_id: t.ids.policies! },
        properties: {
          Name: { title: text("Refunds over $100 wait for a manager") },
          "Policy ID": { rich_text: text("refund-over-100") },
          Type: { select: { name: "approval" } },
          Mode: { select: { name: "pause" } },
          Status: { select: { name: "Shadow" } },
          Tools: { rich_text: text(REFUND) },
          Condition: { rich_text: text("args.amount_cents > 10000") },
          Approvers: { multi_select: [{ name: "manager" }] },
          "Reason code": { rich_text: text("refund_over_100") },
        },
      });
      expect((await admin("POST", `/sync?tenant=${t.tenant}`, { wait: true })).status).toBe(200);
      const agent = await connect(t.key);
      await call(agent, REFUND, refund(20_000));
      await call(agent, REFUND, refund(5_000));
      await call(agent, REFUND, refund(30_000));
      await inputsRecorded(t.tenant, 3);

      await t.manager.pages.update({ page_id: shadow.id, properties: { Status: { select: { name: "Active" } } } });
      expect((await admin("POST", `/sync?tenant=${t.tenant}`, { wait: true })).status).toBe(200);
      const [release] = (await admin("GET", `/releases?tenant=${t.tenant}`)).body.releases;
      const detail = (await admin("GET", `/releases/${release.id}?tenant=${t.tenant}`)).body;
      expect(detail.report.shadow_activated).toMatchObject([
        { policy_id: "refund-over-100", mode: "pause", calls: 3, matched: 2, indeterminate: 0 },
      ]);

      const pages = await t.manager.dataSources.query({
        data_source_id: t.ids.releases!,
        filter: { property: "Release ID", rich_text: { equals: release.id } },
      });
      const page = pages.results.find(isFullPage)!;
      const blocks = (await t.manager.blocks.children.list({ block_id: page.id, page_size: 100 }))
        .results as BlockObjectResponse[];
      const body = blocks.map(blockTextOf);
      expect(body).toContain("Shadow → Active");
      expect(body).toContain(
        "Refunds over $100 wait for a manager (refund-over-100), now Active (pause): while in shadow it matched 2 of the 3 recorded calls of its tools",
      );
    },
    SYNCS_TIMEOUT_MS,
  );
});

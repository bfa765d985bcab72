import { isFullPage, type PageObjectResponse } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import { text, useEmulatorNetwork } from "../emulator/helpers";
import { connectedTenant, disconnectAfterEach, propertyOf } from "../support/notion-tenant";
import { admin, call, connect } from "../support/worker";

useEmulatorNetwork();
disconnectAfterEach();

const REFUND = "payments.create_refund";
const refund = (amount_cents: number) => ({ customer_id: "cus_001", amount_cents, reason: "damaged in transit" });

describe("a Policies edit in Notion that breaks a golden task", () => {
  it("is held: the row's Sync status says why, the snapshot in force keeps deciding, and accepting puts it live", async () => {
    const t = await connectedTenant();
    const golden = {
      name: "a $600 refund waits for a manager",
      tool: REFUND,
      arguments: refund(60_000),
      agent: "support-bot",
      expected: "escalated",
      expected_reason: "refund_over_limit",
    };
    expect((await admin("PUT", `/golden-tasks?tenant=${t.tenant}`, golden)).status).toBe(200);
    const found = await t.manager.dataSources.query({
      data_source_id: t.ids.policies!,
      filter: { property: "Policy ID", rich_text: { equals: "refund-over-limit" } },
    });
    const row = found.results.find(isFullPage)!;
    await t.manager.pages.update({
      page_id: row.id,
      properties: { Condition: { rich_text: text("args.amount_cents > 100000") } },
    });
    const synced = await admin("POST", `/sync?tenant=${t.tenant}`, { wait: true });
    expect(synced.status).toBe(200);

    const [release] = (await admin("GET", `/releases?tenant=${t.tenant}`)).body.releases;
    expect(release).toMatchObject({ status: "held", golden: { passed: 0, failed: 1 } });
    const page = (await t.manager.pages.retrieve({ page_id: row.id })) as PageObjectResponse;
    expect(propertyOf(page, "Sync status")).toMatch(
      new RegExp(`^held: release ${release.id} is held because it breaks golden task "a \\$600 refund waits`),
    );

    const agent = await connect(t.key);
    const stillHeld = await call(agent, REFUND, refund(60_000));
    expect(stillHeld.outcome).toMatchObject({
      outcome: "pending_approval",
      decision: { reason_code: "refund_over_limit" },
    });

    const accept = { by: "manager@acme.test", reason: "Refunds up to $1,000 run at once." };
    expect((await admin("POST", `/releases/${release.id}/accept?tenant=${t.tenant}`, accept)).status).toBe(200);
    const now = await call(agent, REFUND, refund(60_000));
    expect(now.outcome.decision).toMatchObject({ decision: "authorized", snapshot: release.snapshot });
  });
});

import type { PageObjectResponse } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import type { SyncReport } from "../../src/notion/sync/types";
import { text, useEmulatorNetwork } from "../emulator/helpers";
import { connectedTenant, disconnectAfterEach, propertyOf } from "../support/notion-tenant";
import { admin, call, connect } from "../support/worker";

useEmulatorNetwork();
disconnectAfterEach();

async function sync(tenant: string): Promise<SyncReport> {
  const res = await admin<SyncReport>("POST", `/sync?tenant=${tenant}`, { wait: true });
  expect(res.status).toBe(200);
  return res.body;
}

describe("a Condition too costly to run on every call, synced from Notion", () => {
  it("is refused with the reason in the row's Sync status, and the row's last good version stays in force", async () => {
    const t = await connectedTenant();
    const row = await t.manager.pages.create({
      parent: { type: "data_source_id", data_source_id: t.ids.policies! },
      properties: {
        Name: { title: text("Lookups are paused during the audit") },
        "Policy ID": { rich_text: text("audit-freeze") },
        Type: { select: { name: "block" } },
        Mode: { select: { name: "block" } },
        Status: { select: { name: "Active" } },
        Tools: { rich_text: text("payments.lookup_customer") },
      },
    });
    await sync(t.tenant);

    await t.manager.pages.update({
      page_id: row.id,
      properties: { Condition: { rich_text: text("args.a.all(x, args.b.exists(y, x == y))") } },
    });
    const report = await sync(t.tenant);
    expect(report.sources.find((s) => s.source === "policies")!.rejected).toEqual([
      {
        page_id: row.id,
        name: "Lookups are paused during the audit",
        reason: expect.stringMatching(/^Condition: is too costly/),
      },
    ]);
    const page = (await t.manager.pages.retrieve({ page_id: row.id })) as PageObjectResponse;
    expect(propertyOf(page, "Sync status")).toMatch(
      /^not applied: Condition: is too costly: .* over the budget of 300,000 \(from `all\(\)` at 1\); do not nest comprehensions over argument lists.* The previous version stays in force\.$/,
    );
    const { outcome } = await call(await connect(t.key), "payments.lookup_customer", { customer_id: "cus_001" });
    expect(outcome.decision).toMatchObject({ decision: "denied", policy_ids: ["audit-freeze"] });
  });
});

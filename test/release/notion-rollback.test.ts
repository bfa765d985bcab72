import { isFullPage, type PageObjectResponse } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import { text, useEmulatorNetwork } from "../emulator/helpers";
import { connectedTenant, disconnectAfterEach, propertyOf } from "../support/notion-tenant";
import { admin, call, connect } from "../support/worker";

useEmulatorNetwork();
disconnectAfterEach();

/** Each test runs several syncs, each paced by the Notion gate: more than the default 20 s on a busy machine. */
const SYNCS_TIMEOUT_MS = 60_000;

const REFUND = "payments.create_refund";
const refund = (amount_cents: number) => ({ customer_id: "cus_001", amount_cents, reason: "damaged in transit" });

describe("rolling back a tenant whose policies come from Notion", () => {
  it(
    "puts the earlier snapshot in force, rewrites the Policies rows to match, and the next sync keeps it",
    async () => {
      const t = await connectedTenant();
      const before = (await admin("GET", `/policies?tenant=${t.tenant}`)).body.snapshot as string;
      const found = await t.manager.dataSources.query({
        data_source_id: t.ids.policies!,
        filter: { property: "Policy ID", rich_text: { equals: "refund-over-limit" } },
      });
      const row = found.results.find(isFullPage)!;
      await t.manager.pages.update({
        page_id: row.id,
        properties: { Condition: { rich_text: text("args.amount_cents > 100000") } },
      });
      const added = await t.manager.pages.create({
        parent: { type: "data_source_id", data_source_id: t.ids.policies! },
        properties: {
          Name: { title: text("Friday refunds are blocked") },
          "Policy ID": { rich_text: text("friday-block") },
          Type: { select: { name: "block" } },
          Mode: { select: { name: "block" } },
          Message: { rich_text: text("No refunds on Fridays.") },
          Status: { select: { name: "Active" } },
          Tools: { rich_text: text("payments.send_invoice") },
          "Reason code": { rich_text: text("friday") },
        },
      });
      const sync = await admin("POST", `/sync?tenant=${t.tenant}`, { wait: true });
      expect(sync.body.sources.find((s: { source: string }) => s.source === "policies")).toMatchObject({
        applied: 2,
        rejected: [],
      });
      const edited = (await admin("GET", `/policies?tenant=${t.tenant}`)).body.snapshot as string;
      expect(edited).not.toBe(before);

      const rolled = await admin("POST", `/policies/rollback?tenant=${t.tenant}`, { snapshot: before });
      expect(rolled.status).toBe(200);
      expect(rolled.body).toMatchObject({
        in_force: before,
        release: { status: "live" },
        notion: { rows: "written", updated: 1, created: 0, retired: 1 },
      });
      const restored = (await t.manager.pages.retrieve({ page_id: row.id })) as PageObjectResponse;
      expect(propertyOf(restored, "Condition")).toBe("args.amount_cents > 50000");
      const retired = (await t.manager.pages.retrieve({ page_id: added.id })) as PageObjectResponse;
      expect(propertyOf(retired, "Status")).toBe("Retired");

      const releases = (await admin("GET", `/releases?tenant=${t.tenant}`)).body.releases.length;
      const synced = await admin("POST", `/sync?tenant=${t.tenant}`, { full: true, wait: true });
      expect(synced.body.snapshot).toMatchObject({ hash: before, changed: false });
      expect((await admin("GET", `/releases?tenant=${t.tenant}`)).body.releases).toHaveLength(releases);
      const agent = await connect(t.key);
      const held = await call(agent, REFUND, refund(60_000));
      expect(held.outcome).toMatchObject({ outcome: "pending_approval", decision: { snapshot: before } });
    },
    SYNCS_TIMEOUT_MS,
  );
});

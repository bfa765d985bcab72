import { isFullPage } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import { useEmulatorNetwork } from "../emulator/helpers";
import { eventually } from "./receiver";
import { connectedTenant, disconnectAfterEach, MANAGER_ID } from "../support/notion-tenant";
import { admin, call, connect } from "../support/worker";

useEmulatorNetwork();
disconnectAfterEach();

describe("a Notion-comment channel", () => {
  it("comments on the alert row's page, mentioning its owner, when the row's Channels column names it", async () => {
    // The sample row "Finance hears about every refund" names the channel finance in its Channels column.
    const t = await connectedTenant();
    const made = await admin("POST", `/channels?tenant=${t.tenant}`, { name: "finance", kind: "notion_comment" });
    expect(made.status).toBe(201);
    const found = await t.manager.dataSources.query({
      data_source_id: t.ids.policies!,
      filter: { property: "Policy ID", rich_text: { equals: "refund-alert" } },
    });
    const page = found.results.find(isFullPage)!;

    const { outcome } = await call(await connect(t.key), "payments.create_refund", {
      customer_id: "cus_002",
      amount_cents: 1500,
      reason: "late delivery, customer pat.doe@example.com",
    });
    expect(outcome.outcome).toBe("succeeded");

    const comments = async () => (await t.manager.comments.list({ block_id: page.id })).results;
    expect(await eventually(async () => (await comments()).length > 0)).toBe(true);
    const [comment] = await comments();
    const parts = comment!.rich_text;
    expect(parts.filter((part) => part.type === "mention").map((part) => part.mention)).toEqual([
      { type: "user", user: { object: "user", id: MANAGER_ID } },
    ]);
    const said = parts.map((part) => part.plain_text).join("");
    expect(said).toContain("Finance hears about every refund: support-bot called payments.create_refund");
    expect(said).not.toContain("pat.doe@example.com");
    const rows = (await admin("GET", `/notifications?tenant=${t.tenant}`)).body.notifications as any[];
    expect(rows).toMatchObject([
      { event_id: `alert:${outcome.invocation_id}:refund-alert`, channel: "finance", status: "delivered" },
    ]);
  });
});

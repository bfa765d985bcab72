import { isFullPage, type BlockObjectResponse, type PageObjectResponse } from "@notionhq/client";
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { text, useEmulatorNetwork } from "../emulator/helpers";
import { blockTextOf, connectedTenant, disconnectAfterEach, MANAGER_ID, propertyOf } from "../support/notion-tenant";
import { signWebhook } from "../../emulator/notion/webhooks";
import { admin, BASE, call, connect } from "../support/worker";

useEmulatorNetwork();
disconnectAfterEach();

/** Each test runs several syncs, each paced by the Notion gate: more than the default 20 s on a busy machine. */
const SYNCS_TIMEOUT_MS = 60_000;

const REFUND = "payments.create_refund";
const refund = (amount_cents: number) => ({ customer_id: "cus_001", amount_cents, reason: "damaged in transit" });
const GOLDEN = {
  name: "a $600 refund waits for a manager",
  tool: REFUND,
  arguments: refund(60_000),
  agent: "support-bot",
  expected: "escalated",
  expected_reason: "refund_over_limit",
};

/** A connected tenant with the golden task above, whose manager raised the refund limit to $1,000 and synced. */
async function heldEdit() {
  const t = await connectedTenant();
  expect((await admin("PUT", `/golden-tasks?tenant=${t.tenant}`, GOLDEN)).status).toBe(200);
  const found = await t.manager.dataSources.query({
    data_source_id: t.ids.policies!,
    filter: { property: "Policy ID", rich_text: { equals: "refund-over-limit" } },
  });
  const row = found.results.find(isFullPage)!;
  await t.manager.pages.update({
    page_id: row.id,
    properties: { Condition: { rich_text: text("args.amount_cents > 100000") } },
  });
  expect((await admin("POST", `/sync?tenant=${t.tenant}`, { wait: true })).status).toBe(200);
  const [release] = (await admin("GET", `/releases?tenant=${t.tenant}`)).body.releases;
  return { ...t, row: row.id, release };
}

async function releasePageOf(t: Awaited<ReturnType<typeof heldEdit>>, release_id: string) {
  const found = await t.manager.dataSources.query({
    data_source_id: t.ids.releases!,
    filter: { property: "Release ID", rich_text: { equals: release_id } },
  });
  const page = found.results.find(isFullPage)!;
  const children = await t.manager.blocks.children.list({ block_id: page.id, page_size: 100 });
  const body = (children.results as BlockObjectResponse[]).map(blockTextOf);
  return { page, body };
}

describe("a held Notion edit", () => {
  it(
    "gets a Sync status naming why, ending in a link to its release's page",
    async () => {
      const t = await heldEdit();
      expect(t.release.status).toBe("held");
      const page = (await t.manager.pages.retrieve({ page_id: t.row })) as PageObjectResponse;
      const status = propertyOf(page, "Sync status") as string;
      expect(status).toMatch(new RegExp(`^held: release ${t.release.id} is held because it breaks golden task`));
      const { page: releasePage } = await releasePageOf(t, t.release.id);
      expect(status).toContain(`Release page: ${releasePage.url}`);
      const parts = (page.properties["Sync status"] as { rich_text: { href: string | null }[] }).rich_text;
      expect(parts.at(-1)!.href).toBe(releasePage.url);
    },
    SYNCS_TIMEOUT_MS,
  );

  it(
    "has a Releases page with the changed rows, the golden result expected vs got, and the replay figures",
    async () => {
      const t = await heldEdit();
      const { page, body } = await releasePageOf(t, t.release.id);
      expect(propertyOf(page, "Status")).toBe("Held");
      expect(propertyOf(page, "Golden tasks")).toBe("0 passed, 1 failed");
      expect(propertyOf(page, "Held because")).toMatch(/^it breaks golden task "a \$600 refund waits for a manager"/);
      expect(propertyOf(page, "Summary by")).toBe("None");
      expect(body).toContain("Modified: refund-over-limit");
      expect(body).toContain(
        'FAILED "a $600 refund waits for a manager": expected escalated (refund_over_limit), got authorized (default_allow)',
      );
      expect(body.some((line) => /^\d+ recorded calls of the last 7 days replayed/.test(line))).toBe(true);
      expect(body).toContain("The figures below are computed by Policy OS.");
    },
    SYNCS_TIMEOUT_MS,
  );
});

describe("accepting a held release on its Notion page", () => {
  it(
    "puts the candidate live with a release_accepted entry naming the manager, and the page says so",
    async () => {
      const t = await heldEdit();
      const { page } = await releasePageOf(t, t.release.id);
      await t.manager.pages.update({
        page_id: page.id,
        properties: { Reason: { rich_text: text("Refunds up to $1,000 run at once.") }, Accept: { checkbox: true } },
      });
      expect((await admin("POST", `/sync?tenant=${t.tenant}`, { wait: true })).status).toBe(200);

      const release = (await admin("GET", `/releases/${t.release.id}?tenant=${t.tenant}`)).body;
      expect(release).toMatchObject({ status: "accepted", decided_by: "manager@example.com" });
      const entries = (await admin("GET", `/ledger?tenant=${t.tenant}&limit=1000`)).body.entries as any[];
      const accepted = entries.find((entry) => entry.kind === "release_accepted");
      expect(accepted.body).toMatchObject({
        release_id: t.release.id,
        accepted_by: "manager@example.com",
        reason: "Refunds up to $1,000 run at once.",
      });
      const agent = await connect(t.key);
      const now = await call(agent, REFUND, refund(60_000));
      expect(now.outcome.decision).toMatchObject({ decision: "authorized", snapshot: t.release.snapshot });

      const shown = await releasePageOf(t, t.release.id);
      expect(propertyOf(shown.page, "Status")).toBe("Accepted");
      expect(propertyOf(shown.page, "Accepted by")).toEqual([MANAGER_ID]);
      expect(shown.body.some((line) => line.startsWith("Accepted by manager@example.com"))).toBe(true);
    },
    SYNCS_TIMEOUT_MS,
  );

  it(
    "does not count a tick without a Reason: Accept is unticked and the release stays held",
    async () => {
      const t = await heldEdit();
      const { page } = await releasePageOf(t, t.release.id);
      await t.manager.pages.update({ page_id: page.id, properties: { Accept: { checkbox: true } } });
      expect((await admin("POST", `/sync?tenant=${t.tenant}`, { wait: true })).status).toBe(200);
      expect((await admin("GET", `/releases/${t.release.id}?tenant=${t.tenant}`)).body.status).toBe("held");
      const after = (await t.manager.pages.retrieve({ page_id: page.id })) as PageObjectResponse;
      expect((after.properties.Accept as { checkbox: boolean }).checkbox).toBe(false);
    },
    SYNCS_TIMEOUT_MS,
  );
});

describe("Notion's webhook about a Releases page", () => {
  it(
    "is taken as a sync that accepts the ticked release at once",
    async () => {
      const t = await heldEdit();
      const { page } = await releasePageOf(t, t.release.id);
      await t.manager.pages.update({
        page_id: page.id,
        properties: { Reason: { rich_text: text("Reviewed with finance.") }, Accept: { checkbox: true } },
      });
      const event = JSON.stringify({
        id: crypto.randomUUID(),
        timestamp: new Date().toISOString(),
        workspace_id: crypto.randomUUID(),
        workspace_name: "Acme",
        subscription_id: crypto.randomUUID(),
        integration_id: crypto.randomUUID(),
        authors: [{ id: MANAGER_ID, type: "person" }],
        attempt_number: 1,
        api_version: "2025-09-03",
        type: "page.properties_updated",
        entity: { id: page.id, type: "page" },
        data: {
          parent: { id: crypto.randomUUID(), type: "database", data_source_id: t.ids.releases },
          updated_properties: [],
        },
      });
      const res = await SELF.fetch(`${BASE}/webhooks/notion/${t.tenant}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-notion-signature": await signWebhook(event, "secret_emulator_webhook"),
        },
        body: event,
      });
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ ok: true, intake: "releases" });
      let status = "held";
      for (let attempt = 0; attempt < 100 && status === "held"; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        status = (await admin("GET", `/releases/${t.release.id}?tenant=${t.tenant}`)).body.status;
      }
      expect(status).toBe("accepted");
    },
    SYNCS_TIMEOUT_MS,
  );
});

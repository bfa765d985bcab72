import { isFullPage, type BlockObjectResponse } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import { text, useEmulatorNetwork } from "../emulator/helpers";
import { anthropicFake, useClaudeKey } from "../fakes/anthropic";
import { blockTextOf, connectedTenant, disconnectAfterEach, propertyOf } from "../support/notion-tenant";
import { admin } from "../support/worker";

const claude = anthropicFake({ answer: { summary: "Raising the limit lets $600 refunds run without a manager." } });
useEmulatorNetwork(claude.handler);
useClaudeKey(claude);
disconnectAfterEach();

/** Each test runs several syncs, each paced by the Notion gate: more than the default 20 s on a busy machine. */
const SYNCS_TIMEOUT_MS = 60_000;

describe("a release page with Claude configured", () => {
  it(
    "opens with Claude's summary, labelled, asked with the figures Policy OS computed",
    async () => {
      const t = await connectedTenant();
      const golden = {
        name: "a $600 refund waits for a manager",
        tool: "payments.create_refund",
        arguments: { customer_id: "cus_001", amount_cents: 60_000, reason: "damaged in transit" },
        agent: "support-bot",
        expected: "escalated",
      };
      expect((await admin("PUT", `/golden-tasks?tenant=${t.tenant}`, golden)).status).toBe(200);
      const found = await t.manager.dataSources.query({
        data_source_id: t.ids.policies!,
        filter: { property: "Policy ID", rich_text: { equals: "refund-over-limit" } },
      });
      await t.manager.pages.update({
        page_id: found.results[0]!.id,
        properties: { Condition: { rich_text: text("args.amount_cents > 100000") } },
      });
      expect((await admin("POST", `/sync?tenant=${t.tenant}`, { wait: true })).status).toBe(200);
      const [release] = (await admin("GET", `/releases?tenant=${t.tenant}`)).body.releases;

      const pages = await t.manager.dataSources.query({
        data_source_id: t.ids.releases!,
        filter: { property: "Release ID", rich_text: { equals: release.id } },
      });
      const page = pages.results.find(isFullPage)!;
      const blocks = (await t.manager.blocks.children.list({ block_id: page.id })).results as BlockObjectResponse[];
      expect(blockTextOf(blocks[0]!)).toBe(
        "Summary (Claude): Raising the limit lets $600 refunds run without a manager.",
      );
      expect(propertyOf(page, "Summary by")).toBe("Claude");
      expect(blocks.map(blockTextOf)).toContain(
        'Golden tasks: 0 passed, 1 failed ("a $600 refund waits for a manager": expected escalated, got authorized (default_allow))',
      );
      const asked = claude.requests.filter((request) => request.body.messages[0]!.content.includes(release.id));
      expect(asked).toHaveLength(1);
      expect(asked[0]!.body.messages[0]!.content).toContain('"Golden tasks": "0 passed, 1 failed');
    },
    SYNCS_TIMEOUT_MS,
  );
});

import type { BlockObjectResponse, PageObjectResponse } from "@notionhq/client";
import { afterEach, expect } from "vitest";
import type { NotionEmulator } from "../../emulator/notion";
import { setupNotion } from "../../src/notion/setup";
import { notion, startEmulator, text } from "../emulator/helpers";
import { admin, newTenant } from "./worker";

const connectedTenants: string[] = [];

/** Disconnects the test's tenants after each test: that stops their background write-back before the fake goes. */
export function disconnectAfterEach(): void {
  afterEach(async () => {
    for (const tenant of connectedTenants.splice(0)) await admin("DELETE", `/notion?tenant=${tenant}`);
  }, 40_000);
}

/** Disconnects a tenant the test connected itself once the test ends (with `disconnectAfterEach` in the file). */
export function disconnectAfterThisTest(tenant: string): void {
  connectedTenants.push(tenant);
}

export const MANAGER_ID = "a0000000-0000-4000-8000-000000000001";

/**
 * A tenant connected to databases the manager set up (under the emulator's root page, or `parent_page_id`), with an
 * Agents row for its agent, synced once with its write-back finished, so the sample policy `refund-over-limit` holds
 * refunds over $500 for its approvers (the sample's, or `approvers`). `settings` go to the new tenant. Unless
 * `replayThreshold` says otherwise, a changed snapshot is never held for the calls it would change (threshold 100%):
 * these tests are about syncing, and test/release holds releases at the default threshold. The Golden tasks database
 * is set up but connected only with `golden` (its sample tasks are Paused either way).
 */
export async function connectedTenant(
  options: {
    emulator?: NotionEmulator;
    parent_page_id?: string;
    approvers?: string[];
    settings?: object;
    replayThreshold?: number;
    golden?: boolean;
  } = {},
) {
  const emulator = options.emulator ?? startEmulator();
  const manager = notion("person:manager", { maxRetries: 20 });
  const databases = await setupNotion(manager, {
    parent_page_id: options.parent_page_id ?? emulator.rootPageId,
    samples: true,
    log: () => {},
  });
  const ids = Object.fromEntries(
    databases.filter((d) => options.golden || d.key !== "golden_tasks").map((d) => [d.key, d.data_source_id]),
  ) as Record<string, string>;
  if (options.approvers) {
    const policy = await manager.dataSources.query({
      data_source_id: ids.policies!,
      filter: { property: "Policy ID", rich_text: { equals: "refund-over-limit" } },
    });
    await manager.pages.update({
      page_id: policy.results[0]!.id,
      properties: { Approvers: { multi_select: options.approvers.map((name) => ({ name })) } },
    });
  }
  const tenant = await newTenant({ settings: options.settings });
  const threshold = { retention_days: 7, replay_days: 7, threshold_pct: options.replayThreshold ?? 100 };
  expect((await admin("PUT", `/release-settings?tenant=${tenant.tenant}`, threshold)).status).toBe(200);
  const connected = await admin("PUT", `/notion?tenant=${tenant.tenant}`, {
    data_sources: ids,
    requests_per_second: 100,
  });
  expect(connected.status).toBe(200);
  connectedTenants.push(tenant.tenant);
  const agentRow = await manager.pages.create({
    parent: { type: "data_source_id", data_source_id: ids.agents! },
    properties: {
      Name: { title: text("support-bot") },
      "Agent ID": { rich_text: text(tenant.agent_id) },
      Status: { select: { name: "Active" } },
    },
  });
  expect((await admin("POST", `/sync?tenant=${tenant.tenant}`, { wait: true })).status).toBe(200);
  return { ...tenant, emulator, ids, manager, agentRow: agentRow.id };
}

const plainText = (parts: readonly { plain_text: string }[]) => parts.map((part) => part.plain_text).join("");

/** A page property as a test compares it: text as plain text, a date as its start (or [start, end]), people and relations as ids. */
export function propertyOf(page: PageObjectResponse, name: string): unknown {
  const value = page.properties[name];
  switch (value?.type) {
    case "title":
      return plainText(value.title);
    case "rich_text":
      return plainText(value.rich_text);
    case "number":
      return value.number;
    case "select":
      return value.select?.name ?? null;
    case "date":
      return value.date ? (value.date.end ? [value.date.start, value.date.end] : value.date.start) : null;
    case "people":
      return value.people.map((person) => person.id);
    case "relation":
      return value.relation.map((related) => related.id);
    default:
      return undefined;
  }
}

/** A text block's text, plain. */
export function blockTextOf(block: BlockObjectResponse): string {
  const content = (block as unknown as Record<string, { rich_text?: { plain_text: string }[] }>)[block.type];
  return plainText(content?.rich_text ?? []);
}

import { isFullPage, type Client, type PageObjectResponse } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import type { SyncReport } from "../../src/notion/sync/types";
import { text, useEmulatorNetwork } from "../emulator/helpers";
import { connectedTenant, disconnectAfterEach, propertyOf } from "../support/notion-tenant";
import { admin, call, connect } from "../support/worker";

useEmulatorNetwork();
disconnectAfterEach();

async function sync(tenant: string, body: Record<string, unknown> = {}): Promise<SyncReport> {
  const res = await admin<SyncReport>("POST", `/sync?tenant=${tenant}`, { wait: true, ...body });
  expect(res.status).toBe(200);
  return res.body;
}

const policies = (report: SyncReport) => report.sources.find((s) => s.source === "policies")!;

async function page(client: Client, page_id: string) {
  return (await client.pages.retrieve({ page_id })) as PageObjectResponse;
}

async function rowWhere(client: Client, data_source_id: string, property: string, value: string) {
  const found = await client.dataSources.query({ data_source_id, filter: { property, rich_text: { equals: value } } });
  const row = found.results.find(isFullPage);
  if (!row) throw new Error(`no row with ${property} = ${value}`);
  return row;
}

type Tenant = Awaited<ReturnType<typeof connectedTenant>>;

/** A manager adds a Policies row; the properties given replace the defaults (a block row on customer lookups). */
function addPolicy(t: Tenant, properties: Record<string, unknown>) {
  return t.manager.pages.create({
    parent: { type: "data_source_id", data_source_id: t.ids.policies! },
    properties: {
      Type: { select: { name: "block" } },
      Mode: { select: { name: "block" } },
      Status: { select: { name: "Active" } },
      Tools: { rich_text: text("payments.lookup_customer") },
      ...properties,
    } as Parameters<Client["pages"]["create"]>[0]["properties"],
  });
}

const lookup = { customer_id: "cus_001" };

async function latestPolicySync(tenant: string) {
  const { body } = await admin("GET", `/ledger?tenant=${tenant}`);
  const entries = body.entries.filter((e: { kind: string }) => e.kind === "policy_sync");
  return entries[entries.length - 1];
}

describe("Policies rows a manager switches off or leaves without an id", () => {
  it("a manager retires a row whose Condition is broken, and the block stops at the next sync", async () => {
    const t = await connectedTenant();
    const agent = await connect(t.key);
    const row = await addPolicy(t, {
      Name: { title: text("Lookups are paused during the audit") },
      "Policy ID": { rich_text: text("audit-freeze") },
    });
    await sync(t.tenant);
    expect((await call(agent, "payments.lookup_customer", lookup)).outcome.decision).toMatchObject({
      decision: "denied",
      policy_ids: ["audit-freeze"],
    });

    await t.manager.pages.update({ page_id: row.id, properties: { Condition: { rich_text: text("args.x >") } } });
    expect(policies(await sync(t.tenant)).rejected).toHaveLength(1);
    // A broken edit never opens what the row blocks: its last good version stays in force.
    expect((await call(agent, "payments.lookup_customer", lookup)).outcome.success).not.toBe(true);

    await t.manager.pages.update({ page_id: row.id, properties: { Status: { select: { name: "Retired" } } } });
    const report = await sync(t.tenant);
    expect(policies(report)).toMatchObject({ applied: 1, rejected: [] });
    expect(report.snapshot.changed).toBe(true);
    expect((await call(agent, "payments.lookup_customer", lookup)).outcome.success).toBe(true);
    expect(propertyOf(await page(t.manager, row.id), "Sync status")).toMatch(
      /^ok · Retired: not enforced; before it can be Active or Shadow, fix Condition: /,
    );
    const entry = await latestPolicySync(t.tenant);
    expect(entry.body.snapshot).toBe(report.snapshot.hash);
    expect(entry.body.removed).toEqual([row.id]);
    expect(entry.body.policies).not.toContainEqual(expect.objectContaining({ page_id: row.id }));
  });

  it("a draft row with an invalid Mode is not in force, and stays out after the next syncs", async () => {
    const t = await connectedTenant();
    const agent = await connect(t.key);
    const row = await rowWhere(t.manager, t.ids.policies!, "Policy ID", "no-contact-deletion");
    const blocked = await call(agent, "crm.delete_contact", { contact_id: "con_003" });
    expect(blocked.outcome.decision.reason_code).toBe("contact_deletion_blocked");

    await t.manager.pages.update({
      page_id: row.id,
      properties: { Status: { select: { name: "Draft" } }, Mode: { select: { name: "blok" } } },
    });
    expect(policies(await sync(t.tenant))).toMatchObject({ changed: 1, applied: 1, rejected: [] });
    const open = await call(agent, "crm.delete_contact", { contact_id: "con_003" });
    expect(open.outcome.decision.reason_code).not.toBe("contact_deletion_blocked");
    expect(propertyOf(await page(t.manager, row.id), "Sync status")).toMatch(
      /^ok · Draft: not enforced; .*Mode: "blok"/,
    );

    // Nothing of the row is kept in force, so a later full sync does not bring it back.
    expect((await sync(t.tenant, { full: true })).snapshot.changed).toBe(false);
    const still = await call(agent, "crm.delete_contact", { contact_id: "con_003" });
    expect(still.outcome.decision.reason_code).not.toBe("contact_deletion_blocked");
  });

  it("keeps blocking when the Status itself is misspelt: only Draft or Retired switch a broken row off", async () => {
    const t = await connectedTenant();
    const row = await rowWhere(t.manager, t.ids.policies!, "Policy ID", "no-contact-deletion");
    await t.manager.pages.update({
      page_id: row.id,
      properties: { Status: { select: { name: "Retird" } }, Mode: { select: { name: "blok" } } },
    });
    expect(policies(await sync(t.tenant)).rejected).toEqual([
      expect.objectContaining({ reason: expect.stringContaining('Status: "Retird" is not one of') }),
    ]);
    const blocked = await call(await connect(t.key), "crm.delete_contact", { contact_id: "con_003" });
    expect(blocked.outcome.decision.reason_code).toBe("contact_deletion_blocked");
  });

  it("a row without a Policy ID gets one from its Name, written back to Notion", async () => {
    const t = await connectedTenant();
    const agent = await connect(t.key);
    const row = await addPolicy(t, { Name: { title: text("Lookups are paused during the audit") } });

    const report = await sync(t.tenant);
    expect(policies(report)).toMatchObject({ applied: 1, rejected: [] });
    expect((await call(agent, "payments.lookup_customer", lookup)).outcome.decision).toMatchObject({
      decision: "denied",
      policy_ids: ["lookups_are_paused_during_the_audit"],
    });
    const written = await page(t.manager, row.id);
    expect(propertyOf(written, "Policy ID")).toBe("lookups_are_paused_during_the_audit");
    expect(propertyOf(written, "Sync status")).toMatch(
      /· Policy ID "lookups_are_paused_during_the_audit" given from the Name$/,
    );

    // The next sync reads the id from Notion: the same policy, the same snapshot, a plain Sync status.
    const next = await sync(t.tenant);
    expect(next.snapshot).toEqual({ hash: report.snapshot.hash, changed: false });
    expect(propertyOf(await page(t.manager, row.id), "Sync status")).toBe(
      `ok · in force in snapshot ${report.snapshot.hash!.slice(0, 19)}`,
    );
  });

  it("never overwrites a Policy ID the manager typed after the sync read the row", async () => {
    const t = await connectedTenant();
    const row = await addPolicy(t, { Name: { title: text("Pause exports") } });
    // The manager types an id just before the write-back reaches the row.
    const handle = t.emulator.handle.bind(t.emulator);
    let typed = false;
    t.emulator.handle = async (request: Request) => {
      if (!typed && request.method === "GET" && request.url.endsWith(`/v1/pages/${row.id}`)) {
        typed = true;
        await handle(
          new Request(`https://api.notion.com/v1/pages/${row.id}`, {
            method: "PATCH",
            headers: request.headers,
            body: JSON.stringify({ properties: { "Policy ID": { rich_text: text("exports-paused") } } }),
          }),
        );
      }
      return handle(request);
    };

    await sync(t.tenant);
    expect(typed).toBe(true);
    expect(propertyOf(await page(t.manager, row.id), "Policy ID")).toBe("exports-paused");
    // The next sync reads the manager's id and applies it.
    await sync(t.tenant);
    const snapshot = (await admin("GET", `/policies?tenant=${t.tenant}`)).body;
    expect(JSON.stringify(snapshot.rows)).toContain("exports-paused");
    expect(JSON.stringify(snapshot.rows)).not.toContain("pause_exports");
  });

  it("two rows named alike get distinct ids, and neither takes the id another row holds", async () => {
    const t = await connectedTenant();
    const first = await addPolicy(t, { Name: { title: text("Pause exports") } });
    const second = await addPolicy(t, { Name: { title: text("Pause exports!") } });
    const third = await addPolicy(t, { Name: { title: text("No contact deletion") } });

    expect(policies(await sync(t.tenant))).toMatchObject({ applied: 3, rejected: [] });
    const ids = await Promise.all(
      [first, second, third].map(async (r) => propertyOf(await page(t.manager, r.id), "Policy ID")),
    );
    expect(ids.slice(0, 2).sort()).toEqual(["pause_exports", "pause_exports_2"]);
    // The sample row holds `no-contact-deletion`; the slug `no_contact_deletion` is free, and is taken.
    expect(ids[2]).toBe("no_contact_deletion");

    const fourth = await addPolicy(t, { Name: { title: text("Pause  exports") } });
    await sync(t.tenant);
    expect(propertyOf(await page(t.manager, fourth.id), "Policy ID")).toBe("pause_exports_3");
  });

  it("still refuses a row with neither a Name nor a Policy ID, and says so in its Sync status", async () => {
    const t = await connectedTenant();
    const row = await addPolicy(t, {});
    const report = await sync(t.tenant);
    expect(policies(report).rejected).toEqual([
      {
        page_id: row.id,
        name: "",
        reason: expect.stringMatching(/^Name: is empty; .*; Policy ID: is empty; /),
      },
    ]);
    expect(propertyOf(await page(t.manager, row.id), "Sync status")).toMatch(
      /^not applied: Name: is empty; .* This row is not in force\.$/,
    );
  });
});

import { isFullPage } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import { useEmulatorNetwork } from "../emulator/helpers";
import { connectedTenant, disconnectAfterEach, propertyOf } from "../support/notion-tenant";
import { refreshHostHealthColumn } from "../../src/wiring/incidents";
import { hostFails, workerEnv } from "./helpers";

useEmulatorNetwork();
disconnectAfterEach();

describe("the Tools database's Host health column", () => {
  it("shows each tool's host health from the cron, apart from its policy state, and is written only when it changes", async () => {
    const t = await connectedTenant();
    await hostFails(t.tenant, "payments", 6, 1_000);

    const first = await refreshHostHealthColumn(workerEnv, t.tenant, () => undefined);
    expect(first).toEqual({ written: 9, pending: 0 });
    const rows = await t.manager.dataSources.query({ data_source_id: t.ids.tools!, page_size: 100 });
    const row = (name: string) => rows.results.filter(isFullPage).find((page) => propertyOf(page, "Name") === name)!;
    expect(propertyOf(row("payments.create_refund"), "Host health")).toBe("open circuit · 100% errors · p95 10000 ms");
    expect(propertyOf(row("crm.get_contact"), "Host health")).toBe("healthy · no recent calls");
    expect(propertyOf(row("payments.create_refund"), "Policy state")).not.toContain("circuit");

    expect(await refreshHostHealthColumn(workerEnv, t.tenant, () => undefined)).toEqual({ written: 0, pending: 0 });
  });
});

import { isFullBlock, isFullPage, type PageObjectResponse } from "@notionhq/client";
import { describe, expect, it } from "vitest";
import { digestFigures } from "../../src/digest/figures";
import { incidentTick } from "../../src/incidents/tick";
import { anthropicFake, useClaudeKey } from "../fakes/anthropic";
import { useEmulatorNetwork } from "../emulator/helpers";
import { blockTextOf, connectedTenant, disconnectAfterEach, propertyOf } from "../support/notion-tenant";
import { admin, newTenant } from "../support/worker";
import { auditRows, hostFails, hostRecovers, plus, recordingDeps, workerEnv } from "./helpers";

const claude = anthropicFake();
useEmulatorNetwork(claude.handler);
disconnectAfterEach();
useClaudeKey(claude);

type Connected = Awaited<ReturnType<typeof connectedTenant>>;

async function incidentPages(t: Connected): Promise<PageObjectResponse[]> {
  const found = await t.manager.dataSources.query({ data_source_id: t.ids.incidents! });
  return found.results.filter(isFullPage);
}

async function bodyOf(t: Connected, page_id: string): Promise<string[]> {
  const blocks = await t.manager.blocks.children.list({ block_id: page_id });
  return blocks.results.filter(isFullBlock).map(blockTextOf);
}

async function incidentsOf(tenant: string) {
  const listed = await admin("GET", `/incidents?tenant=${tenant}`);
  expect(listed.status).toBe(200);
  return listed.body.incidents as Array<Record<string, any>>;
}

describe("the incident loop on the cron tick", () => {
  it("opens exactly one incident for a failing host over several ticks, updates it, resolves it once clear for 15 minutes, and notifies on open and resolve once each", async () => {
    claude.answer({ answer: { summary: "The payments host is down, so refunds fail. Follow the refunds runbook." } });
    const t = await connectedTenant();
    const { deps, sent } = recordingDeps();
    const start = new Date();
    await auditRows(t.tenant, t.agent_id, "payments.create_refund", "failed", 3, plus(start, -1));
    await hostFails(t.tenant, "payments", 6, 40_000);

    const first = await incidentTick(deps, t.tenant, start);
    expect(first.opened).toHaveLength(1);
    const [opened] = await incidentsOf(t.tenant);
    expect(opened).toMatchObject({
      cause: "host:payments",
      kind: "host_failing",
      status: "open",
      tools: ["payments.create_refund"],
      agents: [t.agent_id],
      figures: { circuit: "open", calls_in_window: 6, error_rate: 1 },
      summary_by: "Claude",
    });

    await hostFails(t.tenant, "payments", 2, 39_000);
    const second = await incidentTick(deps, t.tenant, plus(start, 1));
    expect(second).toMatchObject({ opened: [], updated: [opened!.id], resolved: [] });
    const [updated, ...others] = await incidentsOf(t.tenant);
    expect(others).toEqual([]);
    expect(updated).toMatchObject({ id: opened!.id, last_seen_at: plus(start, 1).toISOString() });
    expect(updated!.figures.calls_in_window).toBe(8);

    const [page, ...morePages] = await incidentPages(t);
    expect(morePages).toEqual([]);
    expect(propertyOf(page!, "Status")).toBe("Open");
    expect(propertyOf(page!, "Incident ID")).toBe(opened!.id);
    expect(propertyOf(page!, "Tools")).toBe("payments.create_refund");
    const runbooks = await t.manager.dataSources.query({
      data_source_id: t.ids.runbooks!,
      filter: { property: "Name", title: { equals: "Refunds over the limit" } },
    });
    expect(propertyOf(page!, "Runbook")).toEqual([runbooks.results[0]!.id]);
    expect((await bodyOf(t, page!.id))[0]).toBe(
      "Summary (Claude): The payments host is down, so refunds fail. Follow the refunds runbook.",
    );

    await hostRecovers(t.tenant, "payments");
    const clear = plus(start, 2);
    expect(await incidentTick(deps, t.tenant, clear)).toMatchObject({ opened: [], resolved: [] });
    expect(await incidentTick(deps, t.tenant, plus(clear, 14))).toMatchObject({ opened: [], resolved: [] });
    expect((await incidentsOf(t.tenant))[0]).toMatchObject({ status: "open", clear_since: clear.toISOString() });
    expect(await incidentTick(deps, t.tenant, plus(clear, 15))).toMatchObject({ resolved: [opened!.id] });
    expect(await incidentTick(deps, t.tenant, plus(clear, 16))).toMatchObject({ opened: [], resolved: [] });

    expect((await incidentsOf(t.tenant))[0]).toMatchObject({
      status: "resolved",
      resolved_at: plus(clear, 15).toISOString(),
    });
    const [resolvedPage] = await incidentPages(t);
    expect(propertyOf(resolvedPage!, "Status")).toBe("Resolved");
    expect(sent.map((event) => [event.kind, event.event_id])).toEqual([
      ["incident_opened", `incident_opened:${opened!.id}`],
      ["incident_resolved", `incident_resolved:${opened!.id}`],
    ]);
    expect(sent[0]).toMatchObject({
      tenant_id: t.tenant,
      title: "Incident: Host payments is unavailable: its circuit is open",
      notion_page_id: page!.id,
      facts: { cause: "host:payments", circuit: "open" },
    });
  });

  it("opens an incident naming the tool and agent when a tool's denials spike, and writes its page without a summary when Claude fails", async () => {
    claude.answer({ status: 500 });
    const t = await connectedTenant();
    const { deps, sent } = recordingDeps();
    const now = new Date();
    await auditRows(t.tenant, t.agent_id, "crm.delete_contact", "denied", 12, plus(now, -2));
    await auditRows(t.tenant, t.agent_id, "crm.get_contact", "denied", 2, plus(now, -2));

    const report = await incidentTick(deps, t.tenant, now);
    expect(report).toMatchObject({ opened: [expect.any(String)], pages_written: 1 });
    expect(await incidentsOf(t.tenant)).toMatchObject([
      {
        cause: "denials:crm.delete_contact",
        title: "Spike in denials of crm.delete_contact: 12 in 15 min",
        tools: ["crm.delete_contact"],
        agents: [t.agent_id],
        figures: { in_window: 12, baseline: 0 },
        summary: null,
        summary_by: null,
      },
    ]);
    expect(claude.requests).toHaveLength(1);
    const [page] = await incidentPages(t);
    expect(propertyOf(page!, "Agents")).toBe(t.agent_id);
    expect(propertyOf(page!, "Summary by")).toBe("None");
    const body = await bodyOf(t, page!.id);
    expect(body.some((line) => line.startsWith("Summary (Claude)"))).toBe(false);
    expect(body).toContain("in window: 12");
    expect(sent.map((event) => event.kind)).toEqual(["incident_opened"]);
  });
});

/** Makes the emulator store the Worker's next Incidents page but answer 500, as if the answer were lost. */
function loseNextIncidentCreate(t: Connected) {
  const watch = { creates: 0 };
  const handle = t.emulator.handle.bind(t.emulator);
  t.emulator.handle = async (request: Request) => {
    const isCreate =
      request.method === "POST" &&
      new URL(request.url).pathname === "/v1/pages" &&
      ((await request.clone().json()) as { parent?: { data_source_id?: string } }).parent?.data_source_id ===
        t.ids.incidents;
    if (!isCreate) return handle(request);
    if (watch.creates++ > 0) return handle(request);
    await handle(request);
    return Response.json(
      { object: "error", status: 500, code: "internal_server_error", message: "lost" },
      { status: 500 },
    );
  };
  return watch;
}

describe("incident pages when Notion fails", () => {
  it("finds the page a create whose answer was lost made on the next tick, never making a second, and notifies once", async () => {
    claude.answer({ status: 500 });
    const t = await connectedTenant();
    const { deps, sent } = recordingDeps();
    const lost = loseNextIncidentCreate(t);
    const now = new Date();
    await auditRows(t.tenant, t.agent_id, "crm.delete_contact", "denied", 12, plus(now, -2));

    const first = await incidentTick(deps, t.tenant, now);
    expect(first).toMatchObject({ opened: [expect.any(String)], pages_written: 0, page_error: expect.any(String) });
    expect((await incidentsOf(t.tenant))[0]).toMatchObject({ status: "open", notion_page_id: null });

    const second = await incidentTick(deps, t.tenant, plus(now, 1));
    expect(second).toMatchObject({ opened: [], pages_written: 1 });
    expect(lost.creates).toBe(1);
    const pages = await incidentPages(t);
    expect(pages).toHaveLength(1);
    expect((await incidentsOf(t.tenant))[0]!.notion_page_id).toBe(pages[0]!.id);
    expect(sent.map((event) => event.kind)).toEqual(["incident_opened"]);
  });
});

describe("incidents in the admin API and the digest", () => {
  it("never shows a tenant another tenant's incidents", async () => {
    const { deps } = recordingDeps();
    const now = new Date();
    const [a, b] = [await newTenant(), await newTenant()];
    for (const t of [a, b]) {
      await auditRows(t.tenant, t.agent_id, "payments.create_refund", "pending_approval", 10, plus(now, -1));
      await incidentTick(deps, t.tenant, now);
    }
    const [ofA] = await incidentsOf(a.tenant);
    const [ofB] = await incidentsOf(b.tenant);
    expect(ofA).toMatchObject({ tenant_id: a.tenant, cause: "holds:payments.create_refund" });
    expect(ofB!.tenant_id).toBe(b.tenant);
    expect(await incidentsOf(a.tenant)).toHaveLength(1);
    expect((await admin("GET", `/incidents/${ofB!.id}?tenant=${a.tenant}`)).status).toBe(404);
    expect((await admin("GET", `/incidents/${ofB!.id}?tenant=${b.tenant}`)).body.incident).toMatchObject({
      id: ofB!.id,
    });
  });

  it("lists open incidents first, then resolved ones, and takes a tenant's thresholds", async () => {
    const { deps } = recordingDeps();
    const t = await newTenant();
    const set = await admin("PUT", `/incidents/settings?tenant=${t.tenant}`, { spike_min_count: 3, clear_minutes: 5 });
    expect(set.body.settings).toMatchObject({ spike_min_count: 3, clear_minutes: 5, spike_factor: 3 });
    expect((await admin("PUT", `/incidents/settings?tenant=${t.tenant}`, { spike_factor: 0 })).status).toBe(400);

    const start = new Date(Date.now() - 3600_000);
    await auditRows(t.tenant, t.agent_id, "crm.delete_contact", "denied", 3, plus(start, -1));
    await incidentTick(deps, t.tenant, start);
    await incidentTick(deps, t.tenant, plus(start, 16));
    await incidentTick(deps, t.tenant, plus(start, 21));
    await auditRows(t.tenant, t.agent_id, "crm.update_contact", "denied", 3, plus(start, 29));
    await incidentTick(deps, t.tenant, plus(start, 30));
    expect((await incidentsOf(t.tenant)).map((i) => [i.cause, i.status])).toEqual([
      ["denials:crm.update_contact", "open"],
      ["denials:crm.delete_contact", "resolved"],
    ]);
  });

  it("counts in the weekly digest the incidents opened and resolved in its week", async () => {
    const { deps } = recordingDeps();
    const t = await newTenant();
    const tuesday = new Date("2026-11-17T10:00:00.000Z");
    await auditRows(t.tenant, t.agent_id, "crm.delete_contact", "denied", 10, plus(tuesday, -5));
    await incidentTick(deps, t.tenant, tuesday);
    await incidentTick(deps, t.tenant, plus(tuesday, 30));
    await incidentTick(deps, t.tenant, plus(tuesday, 45));
    await auditRows(t.tenant, t.agent_id, "crm.update_contact", "denied", 10, new Date("2026-11-22T23:50:00.000Z"));
    await incidentTick(deps, t.tenant, new Date("2026-11-22T23:55:00.000Z"));

    const now = () => new Date("2026-11-24T12:00:00.000Z");
    expect((await digestFigures(workerEnv, t.tenant, "2026-11-16", { now })).incidents).toEqual({
      opened: 2,
      resolved: 1,
    });
    expect((await digestFigures(workerEnv, t.tenant, "2026-11-09", { now })).incidents).toEqual({
      opened: 0,
      resolved: 0,
    });
  });
});

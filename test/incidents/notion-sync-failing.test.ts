import { describe, expect, it } from "vitest";
import { listIncidents } from "../../src/incidents/store";
import { syncRunStatement } from "../../src/db/notion-sync-state";
import { incidentTick } from "../../src/incidents/tick";
import { newTenant } from "../support/worker";
import { plus, recordingDeps, workerEnv } from "./helpers";

const syncRan = (tenant: string, error: string | null, at: Date) =>
  syncRunStatement(workerEnv.DB, tenant, "policies", { cursor: null, full: false, error }, at.toISOString()).run();

describe("a Notion sync failing repeatedly", () => {
  it("opens an incident at the third failure in a row, not before, and a success clears it", async () => {
    const { deps } = recordingDeps();
    const t = await newTenant();
    const start = new Date();
    await syncRan(t.tenant, "Notion answered 503", start);
    await syncRan(t.tenant, "Notion answered 503", plus(start, 1));
    expect((await incidentTick(deps, t.tenant, plus(start, 1))).opened).toEqual([]);

    await syncRan(t.tenant, "Notion answered 503", plus(start, 2));
    expect((await incidentTick(deps, t.tenant, plus(start, 2))).opened).toHaveLength(1);
    expect(await listIncidents(workerEnv.DB, t.tenant, 10)).toMatchObject([
      {
        cause: "notion_sync:policies",
        title: "The Notion sync of policies failed 3 times in a row",
        figures: { failures_in_a_row: 3, last_error: "Notion answered 503" },
      },
    ]);

    await syncRan(t.tenant, null, plus(start, 3));
    await incidentTick(deps, t.tenant, plus(start, 3));
    expect((await incidentTick(deps, t.tenant, plus(start, 18))).resolved).toHaveLength(1);
  });
});

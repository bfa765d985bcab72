import { describe, expect, it } from "vitest";
import { exhaustedBudgets } from "../../src/incidents/conditions/budget-exhausted";
import { failingHosts } from "../../src/incidents/conditions/host-failing";
import { spikes, type ToolActivity } from "../../src/incidents/conditions/spikes";
import { planIncidents } from "../../src/incidents/lifecycle";
import { DEFAULT_INCIDENT_SETTINGS as settings } from "../../src/incidents/settings";
import type { Condition, Incident, IncidentKind } from "../../src/incidents/types";
import { hostHealthText } from "../../src/notion/sync/host-health-column";

const activity = (tool: string, agent_id: string, counts: Partial<ToolActivity> = {}): ToolActivity => ({
  tool,
  agent_id,
  denied: 0,
  held: 0,
  base_denied: 0,
  base_held: 0,
  ...counts,
});

const figures = (over: object = {}) => ({
  circuit: "closed" as const,
  retry_at: null,
  last_success_at: null,
  last_failure_at: null,
  calls_in_window: 10,
  error_rate: 0,
  p50_ms: 100,
  p95_ms: 120,
  ...over,
});

describe("a spike in denials or held calls", () => {
  it("is ten or more denials of one tool in the window when the baseline predicts none, naming the tool and its agents", () => {
    const [spike, ...rest] = spikes(
      [
        activity("crm.delete_contact", "agt_a", { denied: 8 }),
        activity("crm.delete_contact", "agt_b", { denied: 4 }),
        activity("crm.get_contact", "agt_a", { denied: 3 }),
      ],
      settings,
    );
    expect(rest).toEqual([]);
    expect(spike).toMatchObject({
      cause: "denials:crm.delete_contact",
      kind: "denial_spike",
      tools: ["crm.delete_contact"],
      agents: ["agt_a", "agt_b"],
      figures: { in_window: 12, baseline: 0, by_agent: "agt_a 8, agt_b 4" },
    });
  });

  it("is not a spike when the day before ran at the same rate (three times the baseline's rate is needed)", () => {
    // 24 h of baseline at 20 per 15 minutes predicts 20 in the window; 40 is twice that, not three times.
    const steady = activity("payments.create_refund", "agt_a", { denied: 40, base_denied: 20 * 96 });
    expect(spikes([steady], settings)).toEqual([]);
    expect(spikes([{ ...steady, denied: 60 }], settings)).toHaveLength(1);
  });

  it("counts held calls apart from denials, under their own cause", () => {
    const found = spikes([activity("payments.create_refund", "agt_a", { held: 10, denied: 2 })], settings);
    expect(found.map((c) => [c.cause, c.kind])).toEqual([["holds:payments.create_refund", "hold_spike"]]);
  });

  it("follows the tenant's thresholds", () => {
    const rows = [activity("crm.delete_contact", "agt_a", { denied: 4 })];
    expect(spikes(rows, settings)).toEqual([]);
    expect(spikes(rows, { ...settings, spike_min_count: 4 })).toHaveLength(1);
  });
});

describe("a failing host", () => {
  const host = (over: object) => ({ host_id: "payments", figures: figures(over), tools: [], agents: [] });

  it("fails at half its window's calls failing or timing out, with enough calls to judge", () => {
    expect(failingHosts([host({ error_rate: 0.5, calls_in_window: 6 })], settings)).toHaveLength(1);
    expect(failingHosts([host({ error_rate: 0.4, calls_in_window: 10 })], settings)).toEqual([]);
    expect(failingHosts([host({ error_rate: 1, calls_in_window: 2 })], settings)).toEqual([]);
  });

  it("fails while its circuit is open, whatever its window holds", () => {
    const [condition] = failingHosts([host({ circuit: "open", calls_in_window: 0, error_rate: null })], settings);
    expect(condition).toMatchObject({ cause: "host:payments", title: expect.stringContaining("circuit is open") });
  });
});

describe("an exhausted budget", () => {
  const cap = {
    key: "cap-1:agent:agt_a:usd_cents",
    policy_id: "cap-1",
    scope: "agent" as const,
    subject: "agt_a",
    window: "day" as const,
    unit: "usd_cents" as const,
    period: "2026-12-06",
    resets_at: "2026-12-07T00:00:00.000Z",
    reclaimed: 0,
    reserved: 0,
    limit: 1000,
    spent: 1000,
  };

  it("is a cap whose settled spend reached its limit, naming the agent it limits", () => {
    expect(exhaustedBudgets([cap])).toMatchObject([{ cause: `budget:${cap.key}`, agents: ["agt_a"] }]);
    expect(exhaustedBudgets([{ ...cap, spent: 999, reserved: 500 }])).toEqual([]);
  });

  it("leaves out run caps: a run that spent its budget ended as designed", () => {
    expect(exhaustedBudgets([{ ...cap, scope: "run", subject: "run_1" }])).toEqual([]);
  });
});

describe("an incident's lifecycle", () => {
  const condition: Condition = {
    cause: "host:payments",
    kind: "host_failing",
    title: "Host payments fails",
    tools: [],
    agents: [],
    figures: {},
  };
  const incident = (over: Partial<Incident> = {}): Incident => ({
    id: "inc_1",
    tenant_id: "t",
    cause: "host:payments",
    kind: "host_failing",
    status: "open",
    title: "Host payments fails",
    tools: [],
    agents: [],
    figures: {},
    opened_at: "2026-12-06T10:00:00.000Z",
    last_seen_at: "2026-12-06T10:00:00.000Z",
    clear_since: null,
    resolved_at: null,
    runbook_page_id: null,
    notion_page_id: null,
    summary: null,
    summary_by: null,
    ...over,
  });
  const checked = new Set<IncidentKind>(["host_failing"]);
  const at = (minute: number) => new Date(Date.parse("2026-12-06T10:00:00.000Z") + minute * 60_000);
  const FIFTEEN = 15 * 60_000;

  it("opens one incident for a cause, and updates it while the cause lasts", () => {
    expect(planIncidents([], { conditions: [condition, condition], checked }, at(0), FIFTEEN).open).toEqual([
      condition,
    ]);
    const plan = planIncidents([incident()], { conditions: [condition], checked }, at(1), FIFTEEN);
    expect(plan.open).toEqual([]);
    expect(plan.update).toHaveLength(1);
  });

  it("resolves only once the condition has been clear for the clear period", () => {
    expect(planIncidents([incident()], { conditions: [], checked }, at(2), FIFTEEN).clearing).toHaveLength(1);
    const clearing = incident({ clear_since: at(2).toISOString() });
    expect(planIncidents([clearing], { conditions: [], checked }, at(16), FIFTEEN).resolve).toEqual([]);
    expect(planIncidents([clearing], { conditions: [], checked }, at(17), FIFTEEN).resolve).toEqual([clearing]);
  });

  it("neither clears nor resolves an incident whose kind this tick could not check", () => {
    const clearing = incident({ clear_since: at(0).toISOString() });
    const plan = planIncidents([clearing], { conditions: [], checked: new Set() }, at(60), FIFTEEN);
    expect(plan).toEqual({ open: [], update: [], clearing: [], resolve: [] });
  });
});

describe("the Tools database's Host health", () => {
  it("says healthy, degraded or open circuit, with the error rate and p95, apart from policy state", () => {
    expect(hostHealthText(figures())).toBe("healthy · 0% errors · p95 120 ms");
    expect(hostHealthText(figures({ error_rate: 0.3, p95_ms: 2437 }))).toBe("degraded · 30% errors · p95 2400 ms");
    expect(hostHealthText(figures({ circuit: "open", error_rate: 1, p95_ms: 10_000 }))).toBe(
      "open circuit · 100% errors · p95 10000 ms",
    );
    expect(hostHealthText(figures({ calls_in_window: 0, error_rate: null }))).toBe("healthy · no recent calls");
  });
});

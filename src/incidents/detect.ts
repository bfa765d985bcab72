import { claimCheck, toolActivity, type ActivityRow } from "./store";
import { failingSyncs } from "../db/notion-sync-state";
import { exhaustedBudgets } from "./conditions/budget-exhausted";
import { failingHosts } from "./conditions/host-failing";
import { ledgerUnverified } from "./conditions/ledger-unverified";
import { failingNotionSyncs } from "./conditions/notion-sync-failing";
import { spikes } from "./conditions/spikes";
import type { IncidentDeps } from "./ports";
import type { IncidentSettings } from "./settings";
import type { Condition, Findings, IncidentKind } from "./types";

const MINUTE = 60_000;

/**
 * Runs every detector for one tenant at `now`. A detector that throws (its Durable Object or D1 unanswered) leaves
 * its kinds unchecked, so its incidents neither open nor clear on this tick; the ledger is checked only when
 * `ledger_verify_minutes` have passed since it last was.
 */
export async function detect(
  deps: Pick<IncidentDeps, "db" | "signals">,
  tenant_id: string,
  now: Date,
  settings: IncidentSettings,
): Promise<Findings> {
  const conditions: Condition[] = [];
  const checked = new Set<IncidentKind>();
  const windowStart = new Date(now.getTime() - settings.spike_window_minutes * MINUTE);
  const since = new Date(windowStart.getTime() - settings.spike_baseline_hours * 60 * MINUTE);
  const run = async (kinds: IncidentKind[], detector: () => Promise<Condition[] | null>) => {
    try {
      const found = await detector();
      if (found === null) return;
      conditions.push(...found);
      for (const kind of kinds) checked.add(kind);
    } catch (error) {
      console.error(`incident check ${kinds.join("/")} of ${tenant_id} failed: ${String(error)}`);
    }
  };

  let activity: ActivityRow[] | null = null;
  await run(["denial_spike", "hold_spike"], async () => {
    activity = await toolActivity(deps.db, tenant_id, since.toISOString(), windowStart.toISOString());
    return spikes(activity, settings);
  });
  await Promise.all([
    run(["host_failing"], async () => {
      const hosts = await deps.signals.hosts(tenant_id);
      const recent = (activity ?? []).filter((row) => row.calls > 0);
      return failingHosts(
        hosts.map(({ host_id, figures }) => {
          const calls = recent.filter((row) => row.tool.startsWith(`${host_id}.`));
          return {
            host_id,
            figures,
            tools: distinct(calls.map((row) => row.tool)),
            agents: distinct(calls.map((row) => row.agent_id)),
          };
        }),
        settings,
      );
    }),
    run(["budget_exhausted"], async () => exhaustedBudgets(await deps.signals.budgets(tenant_id))),
    run(["notion_sync_failing"], async () =>
      failingNotionSyncs(await failingSyncs(deps.db, tenant_id, settings.notion_sync_failures)),
    ),
    run(["ledger_unverified"], async () => {
      const due = await claimCheck(deps.db, tenant_id, "ledger_verify", now, settings.ledger_verify_minutes * MINUTE);
      return due ? ledgerUnverified(await deps.signals.verifyLedger(tenant_id)) : null;
    }),
  ]);
  return { conditions, checked };
}

function distinct(values: string[]): string[] {
  return [...new Set(values)].sort().slice(0, 10);
}

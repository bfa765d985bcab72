/**
 * The release check of a candidate snapshot: its golden tasks decided against it, and the tenant's recorded calls
 * of the last days replayed against it and against the snapshot in force; the promotion rule says live or held.
 */
import { recentDecisionInputs } from "../db/decision-inputs";
import { listGoldenTasks, type GoldenResult } from "../db/golden-tasks";
import { releaseSettings } from "../db/releases";
import { listAgents, type Tenant } from "../db/tenancy";
import type { ToolDescriptor } from "../hosts/host";
import type { PolicySnapshot } from "../policy";
import { changedRows, type ChangedRows } from "./changed-rows";
import { checkGolden, goldenCallOf } from "./golden";
import { promotion, type Promotion } from "./promotion";
import { MAX_REPLAYED, replay, type ReplayReport } from "./replay";
import { shadowActivations, type ShadowActivation } from "./shadow-activated";

/** What checking needs: the database, and the tenant's tool catalog (golden tasks are decided as calls of a tool). */
export interface CheckDeps {
  db: D1Database;
  /** The tenant's catalog entry of a tool name, or null when it has none. */
  tool: (tenant_id: string, name: string) => Promise<ToolDescriptor | null>;
  now: () => Date;
}

/** A candidate's release report: what changed, the golden results, the replay impact, and the rule applied. */
export interface ReleaseReport {
  changed_rows: ChangedRows;
  golden: GoldenResult[];
  replay: ReplayReport & { days: number; since: string; unreadable: number };
  threshold_pct: number;
  /** Rows the candidate turns from Shadow to Active, with what each would have done to the recorded calls. */
  shadow_activated: ShadowActivation[];
}

/** A checked candidate: its report and whether it may take effect. */
export interface ReleaseCheck {
  report: ReleaseReport;
  promotion: Promotion;
}

/** Checks `candidate` against the tenant's golden tasks and its recorded calls (at most 100,000, the newest). */
export async function checkCandidate(
  deps: CheckDeps,
  tenant: Tenant,
  inForce: PolicySnapshot,
  candidate: PolicySnapshot,
): Promise<ReleaseCheck> {
  const now = deps.now();
  const [settings, tasks, agents] = await Promise.all([
    releaseSettings(deps.db, tenant.id),
    listGoldenTasks(deps.db, tenant.id, true),
    listAgents(deps.db, tenant.id),
  ]);
  const since = new Date(now.getTime() - settings.replay_days * 86_400_000).toISOString();
  const { inputs, unreadable } = await recentDecisionInputs(deps.db, tenant.id, since, MAX_REPLAYED);
  const calls = await Promise.all(
    tasks.map(async (task) =>
      goldenCallOf(task, tenant, agents, await deps.tool(tenant.id, task.tool), now.toISOString()),
    ),
  );
  const golden = checkGolden(calls, candidate);
  const replayed = replay(inputs, inForce, candidate);
  return {
    report: {
      changed_rows: changedRows(inForce, candidate),
      golden,
      replay: { ...replayed, days: settings.replay_days, since, unreadable },
      threshold_pct: settings.threshold_pct,
      shadow_activated: shadowActivations(inputs, inForce, candidate),
    },
    promotion: promotion(golden, replayed, settings.threshold_pct),
  };
}

import { digestWeekTries } from "../db/digests";
import { getTenant } from "../db/tenancy";
import type { Env } from "../env";
import { digestFigures, type DigestFigures } from "./figures";
import type { DigestPorts } from "./ports";
import { templateNarrative, type DigestNarrative } from "./template";
import { previousWeek, weekRange, weekStart, type WeekStart } from "./week";
import { writeDigestPage, type DigestPageResult } from "./write-page";

/** The Worker's bindings a digest reads: D1, the ledger, the budget book and the checkpoint signing key. */
export type DigestEnv = Pick<Env, "DB" | "LEDGER" | "BUDGETS" | "LEDGER_SIGNING_KEY">;

/** A cron pass leaves a week alone for this long after trying it, so a Notion outage costs one Claude call per 15 min. */
const RETRY_AFTER_MS = 15 * 60_000;

/** What writing one week's digest did. */
export interface DigestReport {
  tenant_id: string;
  week_start: WeekStart;
  page: DigestPageResult;
  written_by: DigestNarrative["written_by"];
  figures: DigestFigures;
}

/**
 * Computes a tenant's figures for a week, has the narrator (Claude) or else the template write the narrative around
 * them, and writes the week's one page in the Digests database. Writing the same week again updates that page.
 */
export async function writeDigest(
  env: DigestEnv,
  ports: DigestPorts,
  tenant_id: string,
  week_start: WeekStart,
  options: { now?: () => Date } = {},
): Promise<DigestReport> {
  const now = options.now ?? (() => new Date());
  const figures = await digestFigures(env, tenant_id, week_start, { now });
  const narrative = (await ports.narrate(figures)) ?? templateNarrative(figures);
  const page = await writeDigestPage(env.DB, ports.pages, tenant_id, week_start, figures, narrative, { now });
  return { tenant_id, week_start, page, written_by: narrative.written_by, figures };
}

/** The last week that has ended by `now`: the digest a tenant gets next. */
export const lastCompleteWeek = (now: Date): WeekStart => previousWeek(weekStart(now));

/**
 * When the digest of the week before `now`'s week is due: on the tenant's weekday and hour (UTC) of `now`'s week,
 * counting Monday as its first day (so a Sunday schedule writes it on the Sunday after the week it covers).
 */
export function digestDueAt(now: Date, schedule: { weekday: number; hour: number }): Date {
  const monday = Date.parse(weekRange(weekStart(now)).from);
  const daysAfterMonday = (schedule.weekday + 6) % 7;
  return new Date(monday + daysAfterMonday * 86_400_000 + schedule.hour * 3_600_000);
}

/**
 * The cron's part: writes `tenant_id`'s digest of the last complete week once its scheduled time has come, unless it
 * is written already or was tried (a create sent, or Claude asked) in the last 15 minutes. Returns null when nothing was due.
 */
export async function writeDueDigest(
  env: DigestEnv,
  ports: DigestPorts,
  tenant_id: string,
  options: { now?: () => Date } = {},
): Promise<DigestReport | null> {
  const now = options.now ?? (() => new Date());
  const tenant = await getTenant(env.DB, tenant_id);
  if (!tenant || now() < digestDueAt(now(), tenant.digest)) return null;
  const week = lastCompleteWeek(now());
  const tries = await digestWeekTries(env.DB, { tenant_id, week_start: week });
  if (tries?.written_at) return null;
  if (tries?.tried_at && now().getTime() - Date.parse(tries.tried_at) < RETRY_AFTER_MS) return null;
  return writeDigest(env, ports, tenant_id, week, { now });
}

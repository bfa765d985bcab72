import type { BudgetWindow } from "./types";

/** The period a window is in: its label (counters are kept per period) and when the next one starts. */
export interface WindowPeriod {
  /** `run` for a run window, else the UTC day `2026-12-01`, ISO week `2026-W49` or month `2026-12`. */
  period: string;
  /** The next period's first instant (ISO timestamp); null for a run window, which never resets. */
  resets_at: string | null;
}

const DAY_MS = 86_400_000;

/**
 * The period `window` is in at `now`, in UTC: a calendar day, an ISO week (Monday 00:00 to Monday 00:00), a
 * calendar month, or for `run` one period for ever.
 *
 * @example windowPeriod("day", new Date("2026-12-01T15:00:00Z")) // { period: "2026-12-01", resets_at: "2026-12-02T00:00:00.000Z" }
 */
export function windowPeriod(window: BudgetWindow, now: Date): WindowPeriod {
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  switch (window) {
    case "run":
      return { period: "run", resets_at: null };
    case "day":
      return { period: isoDate(day), resets_at: new Date(day + DAY_MS).toISOString() };
    case "week": {
      const monday = day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
      return { period: isoWeek(monday), resets_at: new Date(monday + 7 * DAY_MS).toISOString() };
    }
    case "month":
      return {
        period: isoDate(day).slice(0, 7),
        resets_at: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
      };
  }
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `YYYY-Www` of the ISO week starting at `monday`: the week belongs to the year its Thursday is in. */
function isoWeek(monday: number): string {
  const thursday = new Date(monday + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

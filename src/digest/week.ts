import { z } from "zod";

const DAY_MS = 24 * 60 * 60 * 1000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The instant `week_start` (YYYY-MM-DD) begins, 00:00 UTC; NaN for a string that is not a real date. */
function startOf(week_start: string): number {
  if (!ISO_DATE.test(week_start)) return Number.NaN;
  const at = Date.parse(`${week_start}T00:00:00.000Z`);
  // Date.parse rolls 2026-02-30 over to March: a real date reads back as itself.
  return Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== week_start ? Number.NaN : at;
}

/** A digest's week: the Monday it starts on, YYYY-MM-DD (UTC). */
export const weekStartSchema = z
  .string()
  .refine((value) => !Number.isNaN(startOf(value)), { message: "a date as YYYY-MM-DD" })
  .refine((value) => new Date(startOf(value)).getUTCDay() === 1, { message: "a Monday (weeks start on Monday, UTC)" })
  .describe("The Monday (UTC) the week starts on, YYYY-MM-DD");

/** A week's Monday, YYYY-MM-DD (UTC). */
export type WeekStart = z.infer<typeof weekStartSchema>;

/**
 * The Monday (UTC) of the week containing `date`, as YYYY-MM-DD.
 *
 * @example weekStart(new Date("2026-11-19T10:00:00Z")) // "2026-11-16"
 */
export function weekStart(date: Date): WeekStart {
  const midnight = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const sinceMonday = (new Date(midnight).getUTCDay() + 6) % 7;
  return new Date(midnight - sinceMonday * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The week's instants: `from` its Monday 00:00Z (included) `to` the next Monday 00:00Z (excluded); throws for a
 * string that is not a Monday.
 *
 * @example weekRange("2026-11-16") // { from: "2026-11-16T00:00:00.000Z", to: "2026-11-23T00:00:00.000Z" }
 */
export function weekRange(week_start: WeekStart): { from: string; to: string } {
  const from = startOf(weekStartSchema.parse(week_start));
  return { from: new Date(from).toISOString(), to: new Date(from + 7 * DAY_MS).toISOString() };
}

/**
 * The Monday of the week before.
 *
 * @example previousWeek("2026-11-16") // "2026-11-09"
 */
export function previousWeek(week_start: WeekStart): WeekStart {
  return new Date(startOf(weekStartSchema.parse(week_start)) - 7 * DAY_MS).toISOString().slice(0, 10);
}

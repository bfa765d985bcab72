import { z } from "zod";

/**
 * A tenant's incident thresholds (PUT /admin/incidents/settings); every field has a default, documented in
 * docs/incidents.md. Thresholds are "at or above".
 */
export const incidentSettingsSchema = z.strictObject({
  host_error_rate: z
    .number()
    .gt(0)
    .max(1)
    .default(0.5)
    .describe("A host whose share of failed or timed-out calls in its health window reaches this is failing"),
  host_min_calls: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(5)
    .describe("…once its window holds at least this many calls (an open circuit is failing whatever the count)"),
  spike_window_minutes: z
    .number()
    .int()
    .min(5)
    .max(240)
    .default(15)
    .describe("The recent window a tool's denials and holds are counted over"),
  spike_baseline_hours: z
    .number()
    .int()
    .min(1)
    .max(168)
    .default(24)
    .describe("The baseline before the window the recent count is compared with"),
  spike_min_count: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(10)
    .describe("A spike needs at least this many denials (or holds) of one tool in the window"),
  spike_factor: z
    .number()
    .min(1)
    .max(1000)
    .default(3)
    .describe("…and this many times what the baseline's rate predicts for a window"),
  notion_sync_failures: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(3)
    .describe("A Notion database whose sync failed this many times in a row is failing repeatedly"),
  ledger_verify_minutes: z
    .number()
    .int()
    .min(5)
    .max(1440)
    .default(60)
    .describe("How often the cron recomputes the tenant's ledger chain (it reads every entry)"),
  clear_minutes: z
    .number()
    .int()
    .min(1)
    .max(1440)
    .default(15)
    .describe("An incident resolves once its condition has been clear this long"),
});

/** Every threshold, filled in. */
export type IncidentSettings = z.infer<typeof incidentSettingsSchema>;

/** What a tenant may change: any subset of the thresholds. */
export const incidentSettingsInputSchema = incidentSettingsSchema.partial();

/** The thresholds of a tenant that changed none. */
export const DEFAULT_INCIDENT_SETTINGS: IncidentSettings = incidentSettingsSchema.parse({});

/** The stored overrides over the defaults; an unreadable stored value falls back to the defaults (logged). */
export function settingsFrom(stored: string | null): IncidentSettings {
  if (stored === null) return DEFAULT_INCIDENT_SETTINGS;
  const parsed = incidentSettingsSchema.safeParse(JSON.parse(stored));
  if (parsed.success) return parsed.data;
  console.error(`incident settings unreadable, defaults used: ${parsed.error.issues[0]?.message}`);
  return DEFAULT_INCIDENT_SETTINGS;
}

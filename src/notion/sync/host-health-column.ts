import { APIErrorCode, isNotionClientError, type Client } from "@notionhq/client";
import { recordHostHealthWritten, writtenHostHealth } from "../../incidents/store";
import { catalogStates } from "../../db/tool-settings";
import type { HealthFigures } from "../../hosts";
import { richText } from "../page-properties";

/** The Tools column the cron writes host health to (notion-templates/tools.json), apart from Policy state. */
export const HOST_HEALTH = "Host health";
/** How many Tools rows one tick rewrites for a tenant (the rest follow on the next ticks). */
export const MAX_HEALTH_WRITES = 10;
/** A closed circuit whose window fails this share of calls or more reads as degraded. */
export const DEGRADED_ERROR_RATE = 0.1;

/**
 * A host's health as one line of the Tools database: `healthy`, `degraded` or `open circuit`, then the window's
 * error rate and p95 latency, rounded (whole percent, two significant digits) so the column changes only when
 * the health does.
 *
 * @example hostHealthText({ circuit: "closed", error_rate: 0.3, p95_ms: 2437, calls_in_window: 10, … })
 * // "degraded · 30% errors · p95 2400 ms"
 */
export function hostHealthText(figures: HealthFigures): string {
  const state =
    figures.circuit !== "closed"
      ? "open circuit"
      : (figures.error_rate ?? 0) >= DEGRADED_ERROR_RATE
        ? "degraded"
        : "healthy";
  if (figures.calls_in_window === 0 || figures.error_rate === null) return `${state} · no recent calls`;
  const p95 = figures.p95_ms === null ? "" : ` · p95 ${Number(figures.p95_ms.toPrecision(2))} ms`;
  return `${state} · ${Math.round(figures.error_rate * 100)}% errors${p95}`;
}

/**
 * Writes each Tools row's Host health from its host's figures (a tool `host.name` runs on `host`), only where the
 * line changed since the cron last wrote it, at most {@link MAX_HEALTH_WRITES} rows. A row whose page is gone, or a
 * database without the column (set up before it existed), is recorded as written so it is not retried every tick.
 */
export async function writeHostHealthColumn(
  db: D1Database,
  client: Client,
  tenant_id: string,
  figures: Readonly<Record<string, HealthFigures>>,
): Promise<{ written: number; pending: number }> {
  const written = await writtenHostHealth(db, tenant_id);
  const due: { tool: string; page_id: string; text: string }[] = [];
  for (const { tool, page_id } of await catalogStates(db, tenant_id)) {
    const host = figures[tool.split(".")[0]!];
    if (!page_id || !host) continue;
    const text = hostHealthText(host);
    if (written.get(tool) !== text) due.push({ tool, page_id, text });
  }
  let done = 0;
  for (const { tool, page_id, text } of due.slice(0, MAX_HEALTH_WRITES)) {
    try {
      await client.pages.update({ page_id, properties: { [HOST_HEALTH]: { rich_text: richText(text) } } });
    } catch (error) {
      const hopeless =
        isNotionClientError(error) &&
        (error.code === APIErrorCode.ObjectNotFound || error.code === APIErrorCode.ValidationError);
      if (!hopeless) throw error;
    }
    await recordHostHealthWritten(db, tenant_id, tool, text);
    done++;
  }
  return { written: done, pending: due.length - done };
}

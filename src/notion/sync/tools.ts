import { APIErrorCode, isNotionClientError, type Client } from "@notionhq/client";
import {
  catalogStates,
  markCatalogCreate,
  recordCatalogWrite,
  toolSettingStatement,
  unlinkToolPageStatement,
} from "../../db/tool-settings";
import type { Agent } from "../../db/tenancy";
import type { ToolDescriptor } from "../../hosts/host";
import { hashOf } from "../../ledger";
import { toolPolicyState, type PolicySnapshot } from "../../policy";
import { richText } from "../page-properties";
import { appliedOf, type Applied, type Changes, type Verdict } from "./changes";
import { textOf } from "./row-values";

const RISKS = ["Low", "Medium", "High", "Critical"];

/**
 * Reads what people set in the Tools database (Risk, Cost, Runbook) into `tool_settings`. The other columns are
 * the Worker's: {@link writeCatalog} keeps them true to the tool catalog.
 */
export function syncToolSettings(db: D1Database, changes: Changes): Applied {
  const verdicts = new Map<string, Verdict>();
  const statements: D1PreparedStatement[] = [];
  for (const page_id of changes.removed) {
    const tool = textOf(changes.stored.get(page_id)?.value?.Name);
    // The Worker writes the row again from the catalog on its next pass.
    if (tool) statements.push(unlinkToolPageStatement(db, changes.tenant_id, tool, page_id));
  }
  const claimed = new Map<string, string>();
  for (const [page_id, row] of changes.stored)
    if (row.value && !changes.removed.includes(page_id)) claimed.set(textOf(row.value.Name).trim(), page_id);
  for (const row of changes.changed) {
    const tool = textOf(row.values.Name).trim();
    const risk = textOf(row.values.Risk).trim();
    const cost = row.values.Cost;
    const holder = claimed.get(tool);
    let reason: string | null = null;
    if (!tool) reason = "Name: is empty; it is the tool's name, host.tool";
    else if (holder && holder !== row.page_id) reason = `Name: another row already describes ${tool}`;
    else if (risk && !RISKS.includes(risk)) reason = `Risk: "${risk}" is not one of ${RISKS.join(", ")}`;
    else if (cost !== null && cost !== undefined && (typeof cost !== "number" || !Number.isInteger(cost) || cost < 0))
      reason = `Cost: ${String(cost)} is not a whole, non-negative number of cents`;
    if (reason !== null) {
      verdicts.set(row.page_id, { ok: false, reason });
      continue;
    }
    claimed.set(tool, row.page_id);
    const runbook = Array.isArray(row.values.Runbook) ? (row.values.Runbook[0] as string | undefined) : undefined;
    statements.push(
      toolSettingStatement(db, changes.tenant_id, {
        tool,
        page_id: row.page_id,
        risk: risk || null,
        cost_cents: typeof cost === "number" ? cost : null,
        runbook_page_id: runbook ?? null,
      }),
    );
    verdicts.set(row.page_id, { ok: true, status: "ok" });
  }
  return appliedOf(changes, verdicts, statements);
}

/** One tool's columns as the Worker writes them. */
export interface CatalogRow {
  Name: string;
  Host: string;
  Description: string;
  "Policy state": string;
  Version: string;
}

/** A tool's policy state as one line per distinct state across the tenant's agents. */
export function policyStateText(snapshot: PolicySnapshot, tool: ToolDescriptor, agents: readonly Agent[]): string {
  if (agents.length === 0) return "no agents yet";
  const byState = new Map<string, string[]>();
  for (const agent of agents) {
    const { summary } = toolPolicyState(
      snapshot,
      { name: tool.name, host: tool.host, annotations: tool.annotations },
      agent,
    );
    byState.set(summary, [...(byState.get(summary) ?? []), agent.name]);
  }
  if (byState.size === 1) return [...byState.keys()][0]!;
  return [...byState].map(([summary, names]) => `${summary} for ${names.join(", ")}`).join("\n");
}

/** The catalog rows whose Notion columns are not what the Worker last wrote. */
export async function catalogWrites(
  db: D1Database,
  tenant_id: string,
  catalog: readonly ToolDescriptor[],
  snapshot: PolicySnapshot,
  agents: readonly Agent[],
): Promise<{ row: CatalogRow; hash: string; page_id: string | null; uncertain: boolean }[]> {
  const settings = new Map((await catalogStates(db, tenant_id)).map((row) => [row.tool, row]));
  const writes = [];
  for (const tool of catalog) {
    const row: CatalogRow = {
      Name: tool.name,
      Host: tool.host,
      Description: (tool.demo ? "[demo host] " : "") + tool.description,
      "Policy state": policyStateText(snapshot, tool, agents),
      Version: tool.version,
    };
    const hash = await hashOf(row);
    const known = settings.get(tool.name);
    if (known?.written_hash === hash && known.page_id) continue;
    writes.push({ row, hash, page_id: known?.page_id ?? null, uncertain: known?.written_hash === CREATING });
  }
  return writes;
}

/** Marks a Tools row whose creation was sent but not confirmed: the next attempt looks for it first. */
const CREATING = "creating";

/**
 * Writes one catalog row: updates the page the Worker knows, or creates it. A create whose answer was lost is
 * looked up by title before it is sent again, so a row is never created twice.
 */
export async function writeCatalogRow(
  db: D1Database,
  client: Client,
  tenant_id: string,
  tools_data_source: string,
  write: { row: CatalogRow; hash: string; page_id: string | null; uncertain: boolean },
  count: () => void,
): Promise<void> {
  const properties = {
    Host: { select: { name: write.row.Host } },
    Description: { rich_text: richText(write.row.Description) },
    "Policy state": { rich_text: richText(write.row["Policy state"]) },
    Version: { rich_text: richText(write.row.Version) },
  };
  let page_id = write.page_id;
  if (!page_id && write.uncertain) {
    count();
    const found = await client.dataSources.query({
      data_source_id: tools_data_source,
      filter: { property: "Name", title: { equals: write.row.Name } },
      page_size: 1,
    });
    page_id = found.results[0]?.id ?? null;
  }
  if (page_id) {
    count();
    try {
      await client.pages.update({ page_id, properties });
    } catch (error) {
      // The row was deleted in Notion: the catalog writes it again.
      if (!isNotionClientError(error) || error.code !== APIErrorCode.ObjectNotFound) throw error;
      page_id = null;
    }
  }
  if (!page_id) {
    await markCatalogCreate(db, tenant_id, write.row.Name, CREATING);
    count();
    const created = await client.pages.create({
      parent: { type: "data_source_id", data_source_id: tools_data_source },
      properties: { Name: { title: richText(write.row.Name) }, ...properties },
    });
    page_id = created.id;
  }
  await recordCatalogWrite(db, tenant_id, write.row.Name, page_id, write.hash);
}

/**
 * A rollback written back to the Policies database, so the source of truth agrees with the snapshot in force: each
 * of its rows rewritten on the page holding its Policy ID (created when none does), and rows it does not have set to
 * Retired. The next sync then reads the same rows and compiles the same snapshot: nothing to undo.
 */
import type { Client } from "@notionhq/client";
import { notionRowsOf } from "../../db/notion-rows";
import { storedSnapshotRows } from "../../db/policies";
import { markRollbackWritten, rollbackToWrite } from "../../db/release-pages";
import type { Tenant } from "../../db/tenancy";
import { canonicalJson, type JsonValue } from "../../ledger";
import { richText, type NotionPageProperties } from "../page-properties";
import { TEMPLATES } from "../templates";
import { POLICY_ID } from "./policy-id";
import { SYNC_STATUS, textOf, type RowValues } from "./row-values";

/** What writing a rollback's rows did; null when no rollback waits for Notion. */
export interface RollbackWrite {
  release_id: string;
  /** Pages rewritten, created and retired. */
  updated: number;
  created: number;
  retired: number;
}

const POLICIES = TEMPLATES.find((template) => template.title === "Policies")!;

/**
 * Writes the tenant's rollback in force back to its Policies database (`data_source_id`), when one waits. Only rows
 * that differ from what the sync last read are written, so a pass that failed part-way resumes where it stopped.
 * Notion faults propagate: the caller must not read the Policies database in that run (it would read half a
 * rollback), and the next sync tries again.
 */
export async function writeRollbackRows(
  db: D1Database,
  client: Client,
  tenant: Tenant,
  data_source_id: string,
  count: () => void,
): Promise<RollbackWrite | null> {
  const rollback = await rollbackToWrite(db, tenant.id, tenant.snapshot_hash);
  if (!rollback) return null;
  const done: RollbackWrite = { release_id: rollback.id, updated: 0, created: 0, retired: 0 };
  const target = ((await storedSnapshotRows(db, tenant.id, rollback.snapshot)) ?? []) as RowValues[];
  const stored = await notionRowsOf<RowValues>(db, tenant.id, "policies");
  const pageOf = new Map<string, { page_id: string; value: RowValues }>();
  for (const [page_id, row] of stored)
    if (row.value) pageOf.set(textOf(row.value[POLICY_ID]).trim(), { page_id, value: row.value });
  const wanted = new Set<string>();
  for (const row of target) {
    const id = textOf(row[POLICY_ID]).trim();
    wanted.add(id);
    const page = pageOf.get(id);
    if (page && same(page.value, row)) continue;
    count();
    if (page) {
      await client.pages.update({ page_id: page.page_id, properties: policyRowProperties(row) });
      done.updated++;
    } else {
      await client.pages.create({
        parent: { type: "data_source_id", data_source_id },
        properties: policyRowProperties(row),
      });
      done.created++;
    }
  }
  for (const [id, page] of pageOf) {
    const status = textOf(page.value.Status);
    if (wanted.has(id) || status === "Retired" || status === "Draft") continue;
    count();
    await client.pages.update({ page_id: page.page_id, properties: { Status: { select: { name: "Retired" } } } });
    done.retired++;
  }
  await markRollbackWritten(db, tenant.id, rollback.id, new Date().toISOString());
  return done;
}

/**
 * A Policies row's values (as the sync read them) as the page properties that set them, every column of the
 * template it has, blanks included (a column the rollback's row left empty is emptied). Sync status is the
 * Worker's own column and is left to the write-back.
 */
export function policyRowProperties(row: RowValues): NotionPageProperties {
  const properties: NotionPageProperties = {};
  for (const [name, property] of Object.entries(POLICIES.properties)) {
    if (name === SYNC_STATUS || !(name in row)) continue;
    const value = row[name];
    const text = typeof value === "string" || typeof value === "number" ? String(value) : "";
    switch (property.type) {
      case "title":
        properties[name] = { title: richText(text) };
        break;
      case "rich_text":
        properties[name] = { rich_text: richText(text) };
        break;
      case "number":
        properties[name] = { number: typeof value === "number" ? value : null };
        break;
      case "select":
        properties[name] = { select: text === "" ? null : { name: text } };
        break;
      case "multi_select":
        properties[name] = {
          multi_select: (Array.isArray(value) ? value : []).map((option) => ({ name: String(option) })),
        };
        break;
      case "checkbox":
        properties[name] = { checkbox: value === true };
        break;
      case "date":
        properties[name] = { date: text === "" ? null : { start: text } };
        break;
      case "people":
      case "relation":
        // The Policies template has neither; a workspace's own such columns are not policy content.
        break;
    }
  }
  return properties;
}

/** Whether two versions of a row say the same (Sync status aside). */
function same(a: RowValues, b: RowValues): boolean {
  const { [SYNC_STATUS]: _a, ...left } = a;
  const { [SYNC_STATUS]: _b, ...right } = b;
  return canonicalJson(left as JsonValue) === canonicalJson(right as JsonValue);
}

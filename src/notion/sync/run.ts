import { APIErrorCode, isFullPage, isNotionClientError, type Client, type PageObjectResponse } from "@notionhq/client";
import { runBatches } from "../../db/batches";
import { notionRowSource, notionRowStatements, notionRowsOf } from "../../db/notion-rows";
import { loadSyncCursor, syncRunStatement } from "../../db/notion-sync-state";
import { snapshotFor } from "../../db/policies";
import { getTenant, listAgents, type Tenant } from "../../db/tenancy";
import type { Env } from "../../env";
import { hostRegistryFor } from "../../hosts";
import { summarizeRelease } from "../../claude";
import { writeReleasePages } from "../../release/release-pages";
import { releaseDepsFor } from "../../release/deps";
import {
  SYNCED_SOURCES,
  getConnection,
  notionClientFor,
  type NotionConnection,
  type SyncedSource,
} from "../connection";
import { takeReleaseAcceptances } from "../releases/release-acceptance";
import { notionReleasePages } from "../releases/notion-release-pages";
import { goldenTaskOwners } from "../../db/notion-golden-tasks";
import { syncAgents } from "./agents";
import { LAST_RESULT, syncGoldenTasks } from "./golden-tasks";
import { writeGoldenResults } from "./golden-results";
import type { Applied, ChangedRow, Changes } from "./changes";
import { syncPolicies } from "./policies";
import { writeRollbackRows } from "./rollback-rows";
import { readFrom, readRows } from "./read-rows";
import { contentHash, rowValues, SYNC_STATUS, textOf, type RowValues } from "./row-values";
import { syncRunbooks } from "./runbooks";
import { catalogWrites, syncToolSettings } from "./tools";
import type { SourceReport, SyncReport, SyncRequest } from "./types";
import { writeBack, type WriteBackResult } from "./write-back";

/** An incremental sync cannot see deleted rows: a full read finds them, at least this often. */
export const FULL_SYNC_EVERY_MS = 60 * 60_000;

/** A sync's report, and the write-back to Notion that follows it (run by the tenant's sync object). */
export interface SyncRun {
  report: SyncReport;
  writeBack: ((stop: () => boolean) => Promise<WriteBackResult>) | null;
}

/**
 * Reads the tenant's Notion databases and applies what changed to D1: policies (a new snapshot, in the ledger
 * first), agents, tool settings and runbooks. A database Notion cannot serve keeps everything in force as it
 * was, and so does every row that fails validation. Writing Sync status values and the Tools catalog back to
 * Notion is returned as a separate step, so nobody waits on Notion's rate limit for it.
 */
export async function runSync(env: Env, tenant_id: string, request: SyncRequest): Promise<SyncRun> {
  const started_at = new Date().toISOString();
  const report: SyncReport = {
    tenant: tenant_id,
    reason: request.reason,
    started_at,
    finished_at: started_at,
    sources: [],
    snapshot: { hash: null, changed: false },
    statuses: { written: 0, pending: 0 },
    requests: 0,
  };
  const [tenant, connection] = await Promise.all([getTenant(env.DB, tenant_id), getConnection(env.DB, tenant_id)]);
  if (!tenant || !connection) throw new Error(`tenant ${tenant_id} has no Notion connection`);
  report.snapshot.hash = tenant.snapshot_hash;
  const client = await notionClientFor(env, connection);
  let current: Tenant = tenant;
  // A release a manager accepted on its page is in force before the rows are read, so the sync builds on it.
  if (connection.data_sources.releases) {
    const count = () => void report.requests++;
    const taken = await takeReleaseAcceptances(releaseDepsFor(env, tenant_id), client, tenant, count);
    current = taken.tenant;
    report.snapshot.hash = current.snapshot_hash;
    if (taken.report.accepted.length > 0) report.snapshot.changed = true;
    report.releases = taken.report;
  }
  // A rollback in force is written back to the Policies rows before they are read: reading them half-written would
  // build a candidate out of both versions, so a failed write leaves the Policies database unread this time.
  let rollbackUnwritten: string | null = null;
  try {
    const written = await writeRollbackRows(env.DB, client, current, connection.data_sources.policies, () => {
      report.requests++;
    });
    if (written) report.rollback = written;
  } catch (error) {
    rollbackUnwritten = `a rollback is being written back to this database and is not finished (${describe(error)}); it is not read until it is`;
  }

  const pages = request.pages ? await retrievePages(client, env.DB, tenant_id, connection, request.pages) : null;
  const sources = pages ? [...pages.keys()] : (request.sources ?? [...SYNCED_SOURCES]);
  for (const source of SYNCED_SOURCES) {
    if (!sources.includes(source)) continue;
    const data_source = connection.data_sources[source];
    if (data_source === undefined) continue;
    const result: SourceReport = { source, requests: 0, read: 0, changed: 0, applied: 0, rejected: [], removed: 0 };
    if (source === "policies" && rollbackUnwritten) {
      report.sources.push({ ...result, error: rollbackUnwritten });
      continue;
    }
    const count = () => void result.requests++;
    try {
      const changes = pages
        ? await changesOf(env.DB, client, tenant_id, source, pages.get(source)!, null, count)
        : await readChanges(env.DB, client, tenant_id, data_source, source, request.full === true, count);
      result.read = changes.read;
      if (changes.warning) result.warning = changes.warning;
      result.changed = changes.changed.length;
      result.removed = changes.removed.length;
      const applied = await apply(env, current, source, changes);
      result.applied = applied.applied;
      result.rejected = applied.rejected;
      if (applied.snapshot) report.snapshot = applied.snapshot;
      // What is in force first, then the bookkeeping, then the cursor: a failure part-way repeats work, never skips it.
      await runBatches(env.DB, [
        ...applied.statements,
        ...notionRowStatements(env.DB, tenant_id, source, applied.rows, changes.removed, report.started_at),
        syncRunStatement(
          env.DB,
          tenant_id,
          source,
          { cursor: pages ? null : started_at, full: changes.full, error: null },
          started_at,
        ),
      ]);
      if (applied.snapshot?.changed) current = { ...current, snapshot_hash: applied.snapshot.hash };
    } catch (error) {
      result.error = describe(error);
      await syncRunStatement(
        env.DB,
        tenant_id,
        source,
        { cursor: null, full: false, error: result.error },
        started_at,
      ).run();
    }
    report.sources.push(result);
    report.requests += result.requests;
  }
  report.finished_at = new Date().toISOString();

  const tools_data_source = connection.data_sources.tools;
  const releases_data_source = connection.data_sources.releases;
  return {
    report,
    writeBack: async (stop) => {
      let requests = 0;
      const count = () => void requests++;
      // Release pages first: the held rows' Sync status links its release's page, so the page must exist.
      const pagesWritten = releases_data_source
        ? await writeReleasePages(
            {
              db: env.DB,
              store: notionReleasePages(client, releases_data_source),
              narrate: (release) => summarizeRelease(env, release),
              now: () => new Date(),
            },
            tenant_id,
          )
        : null;
      const latest = (await getTenant(env.DB, tenant_id)) ?? current;
      const [snapshot, agents, catalog] = await Promise.all([
        snapshotFor(env.DB, latest),
        listAgents(env.DB, tenant_id),
        hostRegistryFor(env).catalog(tenant_id),
      ]);
      const writes = await catalogWrites(env.DB, tenant_id, catalog, snapshot, agents);
      const links = { releases: releases_data_source !== undefined && !pagesWritten?.error };
      const statuses = await writeBack(env.DB, client, tenant_id, { tools_data_source, writes }, stop, count, links);
      // Last results come after Sync status (a refused row matters more), and wait while Notion is failing.
      if (!connection.data_sources.golden_tasks || statuses.error) return statuses;
      const results = await writeGoldenResults(env.DB, client, tenant_id, stop, count);
      return {
        written: statuses.written + results.written,
        skipped: statuses.skipped + results.skipped,
        pending: statuses.pending + results.pending,
        ...((statuses.error ?? results.error) ? { error: statuses.error ?? results.error } : {}),
      };
    },
  };
}

type ReadChanges = Changes & { read: number; full: boolean; warning?: string };

async function readChanges(
  db: D1Database,
  client: Client,
  tenant_id: string,
  data_source: string,
  source: SyncedSource,
  forceFull: boolean,
  count: () => void,
): Promise<ReadChanges> {
  const cursor = await loadSyncCursor(db, tenant_id, source);
  const full =
    forceFull || !cursor.cursor || !cursor.full_at || Date.now() - Date.parse(cursor.full_at) >= FULL_SYNC_EVERY_MS;
  const read = await readRows(client, data_source, full ? null : readFrom(cursor.cursor), count);
  // Rows a capped read never returned are not gone: only a complete full read may take rows out.
  const everything = full && read.complete ? "all" : null;
  const changes = await changesOf(db, client, tenant_id, source, read.pages, everything, count);
  return {
    ...changes,
    full: full && read.complete,
    warning: read.complete
      ? undefined
      : `Notion's 10,000-row query cap stopped the read after ${read.pages.length} rows (more rows were created in one minute than one query returns); rows not read keep their last state`,
  };
}

/**
 * The rows among `pages` whose content changed, and the rows gone: pages in the trash, and with `everything`
 * set (a full read), every stored row Notion no longer returned.
 */
async function changesOf(
  db: D1Database,
  client: Client,
  tenant_id: string,
  source: SyncedSource,
  pages: readonly (PageObjectResponse | { id: string; gone: true })[],
  everything: "all" | null,
  count: () => void,
): Promise<ReadChanges> {
  const stored = await notionRowsOf<RowValues>(db, tenant_id, source);
  const changed: ChangedRow[] = [];
  const removed: string[] = [];
  const seen = new Set<string>();
  for (const page of pages) {
    seen.add(page.id);
    if ("gone" in page || page.in_trash) {
      if (stored.has(page.id)) removed.push(page.id);
      continue;
    }
    // The Worker writes Sync status; it is never part of a row's content.
    const { [SYNC_STATUS]: shown, ...values } = await rowValues(page, client, count);
    const content_hash = await contentHash(peopleSetColumns(source, values));
    if (stored.get(page.id)?.content_hash === content_hash) continue;
    changed.push({
      page_id: page.id,
      values,
      content_hash,
      last_edited_time: page.last_edited_time,
      shown_status: textOf(shown),
    });
  }
  if (everything) for (const page_id of stored.keys()) if (!seen.has(page_id)) removed.push(page_id);
  return {
    tenant_id,
    stored,
    changed,
    removed,
    now: new Date().toISOString(),
    read: pages.length,
    full: false,
  };
}

/**
 * A row without the columns the Worker writes (a Tools row's catalog columns, a Golden tasks row's Last result):
 * only what people set makes a row change.
 */
function peopleSetColumns(source: SyncedSource, values: RowValues): RowValues {
  if (source === "golden_tasks") {
    const { [LAST_RESULT]: _r, ...set } = values;
    return set;
  }
  if (source !== "tools") return values;
  const { Description: _d, "Policy state": _p, Version: _v, Host: _h, ...set } = values;
  return set;
}

/** Re-reads the pages a webhook named, grouped by the synced database they belong to (or were stored under). */
async function retrievePages(
  client: Client,
  db: D1Database,
  tenant_id: string,
  connection: NotionConnection,
  page_ids: readonly string[],
): Promise<Map<SyncedSource, (PageObjectResponse | { id: string; gone: true })[]>> {
  const bySource = new Map<SyncedSource, (PageObjectResponse | { id: string; gone: true })[]>();
  const sourceOf = new Map(
    SYNCED_SOURCES.flatMap((source) => {
      const id = connection.data_sources[source];
      return id === undefined ? [] : [[id, source] as const];
    }),
  );
  for (const page_id of page_ids) {
    let page: PageObjectResponse | { id: string; gone: true };
    try {
      const retrieved = await client.pages.retrieve({ page_id });
      if (!isFullPage(retrieved)) continue;
      page = retrieved;
    } catch (error) {
      if (!isNotionClientError(error) || error.code !== APIErrorCode.ObjectNotFound) throw error;
      page = { id: page_id, gone: true };
    }
    let source: SyncedSource | undefined;
    if ("parent" in page && page.parent.type === "data_source_id") source = sourceOf.get(page.parent.data_source_id);
    source ??= storedSource(await notionRowSource(db, tenant_id, page_id));
    if (source) bySource.set(source, [...(bySource.get(source) ?? []), page]);
  }
  return bySource;
}

/** The synced database a stored row's `source` names (rows are stored only under synced sources). */
const storedSource = (source: string | null): SyncedSource | undefined =>
  SYNCED_SOURCES.find((synced) => synced === source);

async function apply(
  env: Env,
  tenant: Tenant,
  source: SyncedSource,
  changes: Changes,
): Promise<Applied & { snapshot?: { hash: string; changed: boolean } }> {
  if (changes.changed.length === 0 && changes.removed.length === 0)
    return { rows: [], statements: [], rejected: [], applied: 0 };
  switch (source) {
    case "policies":
      return syncPolicies(releaseDepsFor(env, tenant.id), tenant, changes);
    case "agents":
      return syncAgents(env.DB, await listAgents(env.DB, tenant.id), changes);
    case "tools":
      return syncToolSettings(env.DB, changes);
    case "runbooks":
      return syncRunbooks(env.DB, changes);
    case "golden_tasks":
      return syncGoldenTasks(env.DB, await goldenTaskOwners(env.DB, tenant.id), changes);
  }
}

function describe(error: unknown): string {
  if (isNotionClientError(error)) return `Notion: ${error.code}: ${error.message}`.slice(0, 500);
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 500);
}

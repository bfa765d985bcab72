import { APIErrorCode, isFullPage, isNotionClientError, type Client, type PageObjectResponse } from "@notionhq/client";
import { z } from "zod";
import type { Env } from "../env";
import type { JsonValue } from "../ledger/canonical";
import { getConnection, notionClientFor, type NotionConnection } from "../notion/connection";
import { notionPeople } from "../notion/people";
import { matchesGlob } from "../policy/glob";
import {
  approvalPage,
  argumentsForPage,
  pageFingerprint,
  RECENT_DECISIONS,
  type HoldingPolicy,
  type LinkedRunbook,
  type RecentDecision,
} from "./approval-page";
import { escalationFrom, type Escalation } from "./escalations";

/** How many pending escalations one pass writes, unless told otherwise. */
export const DEFAULT_PASS_LIMIT = 25;
/** Each Notion call of a pass gives up after this long; the next pass tries again. */
const DEADLINE_MS = 20_000;
/** How long a pass holds an escalation: longer than a lookup and a create at their deadlines. */
const CLAIM_MS = 3 * DEADLINE_MS;

/** What writing one escalation's page did. */
export type ApprovalPageResult =
  | { status: "created" | "found" | "exists"; page_id: string }
  | { status: "skipped"; reason: "unknown_escalation" | "not_pending" | "no_connection" | "in_progress" }
  /** `notion_down`: Notion, or the integration's access to it, failed as a whole, so a pass stops there. */
  | { status: "failed"; error: string; notion_down: boolean };

/** What one pass over a tenant's pending escalations did. */
export interface ApprovalPagesReport {
  tenant_id: string;
  created: number;
  /** Pages an earlier, unconfirmed create had made, found by Escalation ID. */
  found: number;
  failed: number;
  /** Set when the tenant has no Notion connection: nothing was read. */
  skipped?: "no_connection";
  /** Why the pass stopped early (Notion down, slow or refusing the integration); the rest waits for the next pass. */
  error?: string;
}

export interface EscalationRow extends Escalation {
  notion_page_id: string | null;
  arguments: string | null;
}

const strings = z.array(z.string());

export const escalationOf = (row: Record<string, unknown>): EscalationRow => ({
  ...(row as unknown as EscalationRow),
  ...escalationFrom(row),
});

/**
 * Gives each of a tenant's pending escalations without a page its one Approvals page, oldest first. Runs in the
 * background: when Notion is down the pass stops and the next one carries on; a create whose answer was lost is
 * looked up by Escalation ID before it is sent again, so no page is ever made twice. A tenant without a Notion
 * connection is skipped, and only this tenant's escalations are read.
 */
export async function ensureApprovalPages(
  env: Env,
  tenant_id: string,
  options: { limit?: number; now?: () => Date } = {},
): Promise<ApprovalPagesReport> {
  const report: ApprovalPagesReport = { tenant_id, created: 0, found: 0, failed: 0 };
  const connection = await getConnection(env.DB, tenant_id);
  if (!connection) return { ...report, skipped: "no_connection" };
  const now = options.now ?? (() => new Date());
  const { results } = await env.DB.prepare(
    `SELECT * FROM escalations WHERE tenant_id = ? AND status = 'pending' AND notion_page_id IS NULL AND expires_at > ?
      ORDER BY created_at, id LIMIT ?`,
  )
    .bind(tenant_id, now().toISOString(), options.limit ?? DEFAULT_PASS_LIMIT)
    .all<Record<string, unknown>>();
  if (results.length === 0) return report;
  const writer = await pageWriter(env, connection, now);
  for (const row of results) {
    const result = await writer(escalationOf(row));
    if (result.status === "created") report.created++;
    else if (result.status === "found") report.found++;
    else if (result.status === "failed") {
      report.failed++;
      if (result.notion_down) return { ...report, error: result.error };
    }
  }
  return report;
}

/**
 * Gives one escalation its Approvals page now (the pipeline calls it right after opening an escalation), storing
 * the call's `arguments` with it first when given (cut and hidden as {@link argumentsForPage} says). Never throws
 * for Notion's faults: a failed attempt is left to the next {@link ensureApprovalPages} pass.
 */
export async function ensureApprovalPage(
  env: Env,
  escalation_id: string,
  options: { arguments?: unknown; now?: () => Date } = {},
): Promise<ApprovalPageResult> {
  const row = await env.DB.prepare("SELECT * FROM escalations WHERE id = ?")
    .bind(escalation_id)
    .first<Record<string, unknown>>();
  if (!row) return { status: "skipped", reason: "unknown_escalation" };
  const escalation = escalationOf(row);
  if (options.arguments !== undefined && escalation.arguments === null) {
    escalation.arguments = JSON.stringify(argumentsForPage(options.arguments));
    await env.DB.prepare("UPDATE escalations SET arguments = ? WHERE id = ? AND tenant_id = ? AND arguments IS NULL")
      .bind(escalation.arguments, escalation.id, escalation.tenant_id)
      .run();
  }
  if (escalation.notion_page_id) return { status: "exists", page_id: escalation.notion_page_id };
  if (escalation.status !== "pending") return { status: "skipped", reason: "not_pending" };
  const connection = await getConnection(env.DB, escalation.tenant_id);
  if (!connection) return { status: "skipped", reason: "no_connection" };
  return (await pageWriter(env, connection, options.now ?? (() => new Date())))(escalation);
}

/** Writes pages for one tenant's escalations with one client, reading the workspace's people once. */
async function pageWriter(env: Env, connection: NotionConnection, now: () => Date) {
  const db = env.DB;
  let client: Client;
  try {
    client = await notionClientFor(env, connection, { deadline_ms: DEADLINE_MS });
  } catch (error) {
    return async (): Promise<ApprovalPageResult> => ({ status: "failed", error: describe(error), notion_down: true });
  }
  const approvals = connection.data_sources.approvals;
  let people: Promise<Map<string, string>> | null = null;

  return async (escalation: EscalationRow): Promise<ApprovalPageResult> => {
    // The claim also reads whether a create was ever sent: another pass may have sent one since the row was listed.
    const claimed = await db
      .prepare(
        `UPDATE escalations SET notion_page_claimed_until = ?1
          WHERE id = ?2 AND tenant_id = ?3 AND notion_page_id IS NULL
            AND (notion_page_claimed_until IS NULL OR notion_page_claimed_until <= ?4)
          RETURNING notion_page_attempted_at`,
      )
      .bind(
        new Date(now().getTime() + CLAIM_MS).toISOString(),
        escalation.id,
        escalation.tenant_id,
        now().toISOString(),
      )
      .first<{ notion_page_attempted_at: string | null }>();
    if (!claimed) return { status: "skipped", reason: "in_progress" };
    const done = async (page: PageObjectResponse) =>
      db
        .prepare(
          `UPDATE escalations SET notion_page_id = ?, page_fingerprint = ?, notion_page_claimed_until = NULL,
                 summary_by = 'Template'
            WHERE id = ? AND tenant_id = ?`,
        )
        .bind(page.id, await pageFingerprint(page), escalation.id, escalation.tenant_id)
        .run();
    try {
      // Notion has no idempotency keys: a create sent before may have made the page even though no answer came.
      if (claimed.notion_page_attempted_at) {
        const found = await client.dataSources.query({
          data_source_id: approvals,
          filter: { property: "Escalation ID", rich_text: { equals: escalation.id } },
          page_size: 1,
        });
        const page = found.results.find(isFullPage);
        if (page) {
          await done(page);
          return { status: "found", page_id: page.id };
        }
      }
      people ??= notionPeople(client);
      const parameters = approvalPage({
        ...(await pageFacts(db, escalation)),
        escalation,
        approvals_data_source_id: approvals,
        people: await people,
      });
      await db
        .prepare("UPDATE escalations SET notion_page_attempted_at = ? WHERE id = ? AND tenant_id = ?")
        .bind(now().toISOString(), escalation.id, escalation.tenant_id)
        .run();
      const created = await client.pages.create(parameters);
      if (!isFullPage(created)) throw new Error("Notion answered the create with a partial page");
      await done(created);
      return { status: "created", page_id: created.id };
    } catch (error) {
      people = null;
      await db
        .prepare("UPDATE escalations SET notion_page_claimed_until = NULL WHERE id = ? AND tenant_id = ?")
        .bind(escalation.id, escalation.tenant_id)
        .run();
      console.error(`approval page for ${escalation.tenant_id}/${escalation.id} failed: ${describe(error)}`);
      return { status: "failed", error: describe(error), notion_down: !isThisPageOnly(error) };
    }
  };
}

/** Errors that concern one page's content, not Notion or the integration: the pass goes on with the others. */
export function isThisPageOnly(error: unknown): boolean {
  return (
    isNotionClientError(error) &&
    (error.code === APIErrorCode.ValidationError || error.code === APIErrorCode.ObjectNotFound)
  );
}

/** What the page says besides the escalation itself, all read from this tenant's rows in D1. */
export async function pageFacts(db: D1Database, escalation: EscalationRow) {
  const { tenant_id } = escalation;
  const policy_id = escalation.policy_ids[0] ?? null;
  const [agent, agentPage, snapshot, policyRow, linked, runbooks, recent] = await db.batch<Record<string, unknown>>([
    db.prepare("SELECT name FROM agents WHERE tenant_id = ? AND id = ?").bind(tenant_id, escalation.agent_id),
    syncedRow(db, tenant_id, "agents", "Agent ID", escalation.agent_id),
    db
      .prepare("SELECT rows FROM policy_snapshots WHERE tenant_id = ? AND hash = ?")
      .bind(tenant_id, escalation.snapshot),
    syncedRow(db, tenant_id, "policies", "Policy ID", policy_id),
    db
      .prepare(
        `SELECT r.page_id, r.name, r.checks FROM tool_settings s JOIN runbooks r
           ON r.tenant_id = s.tenant_id AND r.page_id = s.runbook_page_id
         WHERE s.tenant_id = ? AND s.tool = ? AND r.status = 'Active'`,
      )
      .bind(tenant_id, escalation.tool),
    db
      .prepare(
        "SELECT page_id, name, checks, tools FROM runbooks WHERE tenant_id = ? AND status = 'Active' ORDER BY name",
      )
      .bind(tenant_id),
    db
      .prepare(
        `SELECT tool, status, decided_by, decided_at FROM escalations
          WHERE tenant_id = ? AND tool = ? AND id != ? AND decided_at IS NOT NULL
          ORDER BY decided_at DESC LIMIT ?`,
      )
      .bind(tenant_id, escalation.tool, escalation.id, RECENT_DECISIONS),
  ]);
  const first = (result: D1Result<Record<string, unknown>> | undefined) => result?.results[0];
  return {
    arguments: escalation.arguments === null ? null : (JSON.parse(escalation.arguments) as JsonValue),
    agent: {
      name: String(first(agent)?.name ?? escalation.agent_id),
      page_id: (first(agentPage)?.page_id as string | undefined) ?? null,
    },
    policy: holdingPolicy(policy_id, first(snapshot)?.rows, first(policyRow)),
    runbook: runbookFor(escalation.tool, first(linked), runbooks?.results ?? []),
    recent: (recent?.results ?? []) as unknown as RecentDecision[],
  };
}

/** The synced row of a database whose text property equals a value. */
function syncedRow(db: D1Database, tenant_id: string, source: string, property: string, value: string | null) {
  return db
    .prepare(
      `SELECT page_id, value FROM notion_rows
        WHERE tenant_id = ? AND source = ? AND value IS NOT NULL AND json_extract(value, ?) = ? LIMIT 1`,
    )
    .bind(tenant_id, source, `$."${property}"`, value);
}

/** The policy as the snapshot that held the call has it (else as synced now), linked to its row when synced. */
function holdingPolicy(
  policy_id: string | null,
  snapshotRows: unknown,
  synced: Record<string, unknown> | undefined,
): HoldingPolicy | null {
  if (!policy_id) return null;
  const rows = typeof snapshotRows === "string" ? (JSON.parse(snapshotRows) as unknown[]) : [];
  const row =
    (rows.find((r) => (r as Record<string, unknown>)?.["Policy ID"] === policy_id) as
      Record<string, unknown> | undefined) ??
    (synced?.value ? (JSON.parse(String(synced.value)) as Record<string, unknown>) : {});
  const text = (value: unknown) => (typeof value === "string" ? value : "");
  return {
    id: policy_id,
    name: text(row.Name) || policy_id,
    condition: text(row.Condition),
    page_id: (synced?.page_id as string | undefined) ?? null,
  };
}

/** The runbook the tool's row links when Active, else the first Active runbook whose tool patterns match. */
function runbookFor(
  tool: string,
  linked: Record<string, unknown> | undefined,
  active: readonly Record<string, unknown>[],
): LinkedRunbook | null {
  const chosen =
    linked ??
    active.find((runbook) =>
      strings.parse(JSON.parse(String(runbook.tools))).some((pattern) => matchesGlob(pattern, tool)),
    );
  return chosen ? { page_id: String(chosen.page_id), name: String(chosen.name), checks: String(chosen.checks) } : null;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

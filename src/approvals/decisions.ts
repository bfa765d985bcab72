import { isFullPage, isFullUser, type Client, type PageObjectResponse } from "@notionhq/client";
import type { Env } from "../env";
import type { LedgerEntryInput } from "../ledger/types";
import { getConnection, notionClientFor, type NotionConnection } from "../notion/connection";
import type { WebhookEvent } from "../notion/webhook";
import { notionPeople } from "../notion/people";
import { selectOf } from "../notion/page-properties";
import { pageFingerprint } from "./approval-page";
import { isThisPageOnly } from "./approval-pages";
import { escalationFrom, statusAt, type Escalation } from "./escalations";

/** Each Notion call of an intake gives up after this long; the webhook's retry or the poll tries again. */
const DEADLINE_MS = 20_000;
/** The poll leaves a decision this young to the webhook, which can say who made it. */
export const POLL_GRACE_MS = 2 * 60_000;
/** How many pages one pass brings up to date with their escalations. */
const FOLLOW_LIMIT = 25;

/** The Decision each escalation status shows on its page. */
export const DECISION_LABELS: Record<Escalation["status"], string> = {
  pending: "Pending",
  approved: "Approved",
  denied: "Denied",
  expired: "Expired",
  executed: "Executed",
  cancelled: "Cancelled",
};

/** Appends an intake's ledger entries; the escalation's object keeps them until the ledger has them. */
export type LedgerRecorder = (entries: LedgerEntryInput[]) => Promise<void>;

/** What says who set a page's Decision: a webhook event (its authors and changed properties), or the poll. */
export type DecisionSignal =
  | { source: "webhook"; authors: readonly { id: string; type: string }[]; updated_properties: readonly string[] }
  | { source: "poll" };

/** One escalation's page to take a decision from. */
export interface DecisionIntake {
  tenant_id: string;
  escalation_id: string;
  page_id: string;
  signal: DecisionSignal;
}

/**
 * What taking a decision did. `accepted`: recorded in D1, the ledger and on the page. `refused`: the Decision went
 * back to Pending with a comment saying why. `unattributed`: seen only by the poll, recorded and commented, not
 * acted on. `not_pending`: the escalation was decided, executed or expired already; the page shows that again.
 */
export type IntakeResult =
  | { result: "accepted"; decision: "approved" | "denied"; decided_by: string }
  | { result: "refused"; comment: string }
  | { result: "unattributed"; decision: "approved" | "denied" }
  | { result: "not_pending"; status: Escalation["status"] }
  | {
      result: "ignored";
      reason: "no_connection" | "unknown_page" | "undecided" | "not_this_edit" | "already_recorded";
    };

interface DecisionRow extends Escalation {
  notion_page_id: string | null;
  page_fingerprint: string | null;
  decided_by_user_id: string | null;
  unattributed_decision: string | null;
}

const rowOf = (row: Record<string, unknown>) => ({ ...(row as unknown as DecisionRow), ...escalationFrom(row) });

/** Page ids compare without dashes and case. */
const sameId = (a: string, b: string) => a.replaceAll("-", "").toLowerCase() === b.replaceAll("-", "").toLowerCase();

/**
 * Takes the decision an escalation's Approvals page shows now (events may come late, twice or out of order: the
 * page's current state is what counts). A decision counts only when one person set it through an edit the webhook
 * saw, who is one of the escalation's approvers and neither the person the agent acted for nor the agent's owner;
 * it is recorded only while the escalation is pending. Callers serialize per escalation ({@link EscalationDO}).
 */
export async function takeDecision(
  env: Env,
  intake: DecisionIntake,
  options: { record: LedgerRecorder; now?: Date },
): Promise<IntakeResult> {
  const { record, now = new Date() } = options;
  const db = env.DB;
  const row = await db
    .prepare("SELECT * FROM escalations WHERE id = ? AND tenant_id = ?")
    .bind(intake.escalation_id, intake.tenant_id)
    .first<Record<string, unknown>>();
  if (!row || typeof row.notion_page_id !== "string" || !sameId(row.notion_page_id, intake.page_id))
    return { result: "ignored", reason: "unknown_page" };
  const escalation = rowOf(row);
  const connection = await getConnection(db, intake.tenant_id);
  if (!connection) return { result: "ignored", reason: "no_connection" };
  const client = await notionClientFor(env, connection, { deadline_ms: DEADLINE_MS });
  const page = await client.pages.retrieve({ page_id: escalation.notion_page_id! });
  if (!isFullPage(page) || page.in_trash || !isApprovalsPageOf(page, connection, escalation.id))
    return { result: "ignored", reason: "unknown_page" };

  const shown = selectOf(page, "Decision") ?? "Pending";
  const status = statusAt(escalation, now);
  if (status !== "pending") {
    if (shown !== DECISION_LABELS[status]) await writeDecision(db, client, escalation, now);
    return { result: "not_pending", status };
  }
  if (shown === "Pending") return { result: "ignored", reason: "undecided" };
  // An event for another edit of the page says nothing about who set its Decision.
  if (intake.signal.source === "webhook" && !changedDecision(page, intake.signal.updated_properties))
    return { result: "ignored", reason: "not_this_edit" };

  const approvers = `an approver (${escalation.approvers.join(", ") || "none is named"})`;
  const decision = shown === "Approved" ? "approved" : shown === "Denied" ? "denied" : null;
  const refuse = (comment: string) => revert(db, client, escalation, comment);
  if (!decision) return refuse(`Only Approved or Denied decide a request, and Policy OS sets ${shown} itself.`);
  const verb = decision === "approved" ? "approve" : "deny";

  const unattributable = () => unattributed(env, client, escalation, page, decision, approvers, now, record);
  let author: string | null;
  if (intake.signal.source === "webhook") {
    const authors = intake.signal.authors;
    author = authors.length === 1 && authors[0]!.type === "person" ? authors[0]!.id : null;
    if (!author)
      return refuse(
        `Policy OS cannot tell who set Decision to ${shown} (the edit has ${authors.length} authors), so ${approvers} must set it alone.`,
      );
  } else {
    // The poll sees only the page's last editor: that is who set Decision when nothing else on the page has changed
    // since Policy OS last wrote it.
    const untouched =
      escalation.page_fingerprint !== null && (await pageFingerprint(page)) === escalation.page_fingerprint;
    author = untouched ? page.last_edited_by.id : null;
    if (!author) return unattributable();
  }
  const [people, user, agent] = await Promise.all([
    notionPeople(client),
    client.users.retrieve({ user_id: author }),
    db
      .prepare("SELECT owner FROM agents WHERE tenant_id = ? AND id = ?")
      .bind(escalation.tenant_id, escalation.agent_id)
      .first<{ owner: string | null }>(),
  ]);
  const person = {
    id: user.id,
    name: user.name ?? null,
    email: isFullUser(user) && user.type === "person" ? (user.person.email ?? null) : null,
  };
  if (user.type !== "person") return unattributable();
  const who = person.name ?? person.email ?? "This person";
  if (escalation.requested_for && isThePerson(escalation.requested_for, person, people))
    return refuse(`${who} asked for this call and cannot ${verb} it; ${approvers} must decide.`);
  if (agent?.owner && isThePerson(agent.owner, person, people))
    return refuse(`${who} owns the agent that made this call and cannot ${verb} it; ${approvers} must decide.`);
  if (!escalation.approvers.some((approver) => people.get(approver) === person.id))
    return refuse(`${who} is not an approver of this request and cannot ${verb} it; ${approvers} must decide.`);

  const decided_by = person.email ?? person.name ?? person.id;
  const recorded = await db
    .prepare(
      `UPDATE escalations SET status = ?, decided_by = ?, decided_at = ?, decided_by_user_id = ?
        WHERE id = ? AND tenant_id = ? AND status = 'pending' AND expires_at > ? RETURNING *`,
    )
    .bind(decision, decided_by, now.toISOString(), person.id, escalation.id, escalation.tenant_id, now.toISOString())
    .first<Record<string, unknown>>();
  if (!recorded) {
    // Expired (or decided elsewhere) since it was read: the page shows what is true instead.
    const current = await db.prepare("SELECT * FROM escalations WHERE id = ?").bind(escalation.id).first();
    const truth = rowOf(current ?? row);
    await writeDecision(db, client, truth, now);
    return { result: "not_pending", status: statusAt(truth, now) };
  }
  const decided = rowOf(recorded);
  await record([decisionEvent(decided, { event: "decided", decision, decided_by, source: intake.signal.source })]);
  await writeDecision(db, client, decided, now);
  return { result: "accepted", decision, decided_by };
}

/**
 * The fast path: a verified webhook event about a page in the tenant's Approvals database. Finds the page's
 * escalation among this tenant's only, and hands the event to the escalation's object, which takes the decision.
 */
export async function takeWebhookDecision(
  env: Env,
  tenant_id: string,
  page_id: string,
  event: Pick<WebhookEvent, "authors" | "data">,
): Promise<IntakeResult> {
  const compact = page_id.replaceAll("-", "").toLowerCase();
  const dashed = compact.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
  const row = await env.DB.prepare(
    "SELECT id FROM escalations WHERE tenant_id = ? AND notion_page_id IN (?, ?, ?) LIMIT 1",
  )
    .bind(tenant_id, page_id, compact, dashed)
    .first<{ id: string }>();
  if (!row) return { result: "ignored", reason: "unknown_page" };
  return escalationObject(env, row.id).takeDecision({
    tenant_id,
    escalation_id: row.id,
    page_id,
    signal: {
      source: "webhook",
      authors: event.authors ?? [],
      updated_properties: event.data?.updated_properties ?? [],
    },
  });
}

/** What one poll of a tenant's Approvals database found. */
export interface DecisionPollReport {
  tenant_id: string;
  /** Pages of pending escalations showing Approved or Denied, old enough to be the poll's to take. */
  seen: number;
  /** Decisions taken (recorded, or refused back to Pending with a comment). */
  taken: number;
  unattributed: number;
  skipped?: "no_connection";
}

/**
 * The backstop: finds pages of this tenant's pending escalations whose Decision is Approved or Denied (one query
 * with a filter on Decision, from the oldest pending page's creation) and takes each through the escalation's object
 * as the poll saw it. While webhooks reach the tenant, a decision younger than `grace_ms` (default 2 minutes) is left
 * to the webhook, which names every author of an edit; without webhooks the poll takes decisions at once.
 */
export async function pollDecisions(
  env: Env,
  tenant_id: string,
  options: { now?: () => Date; grace_ms?: number } = {},
): Promise<DecisionPollReport> {
  const report: DecisionPollReport = { tenant_id, seen: 0, taken: 0, unattributed: 0 };
  const now = (options.now ?? (() => new Date()))();
  const connection = await getConnection(env.DB, tenant_id);
  if (!connection) return { ...report, skipped: "no_connection" };
  const { results } = await env.DB.prepare(
    `SELECT id, notion_page_id, created_at FROM escalations
      WHERE tenant_id = ? AND status = 'pending' AND notion_page_id IS NOT NULL AND expires_at > ?
      ORDER BY created_at`,
  )
    .bind(tenant_id, now.toISOString())
    .all<{ id: string; notion_page_id: string; created_at: string }>();
  if (results.length === 0) return report;
  const byPage = new Map(results.map((row) => [row.notion_page_id.replaceAll("-", "").toLowerCase(), row]));
  // Notion's clock is not ours: start a little before the oldest pending page was created.
  const since = new Date(Date.parse(results[0]!.created_at) - POLL_GRACE_MS).toISOString();
  const client = await notionClientFor(env, connection, { deadline_ms: DEADLINE_MS });
  const decided = ["Approved", "Denied"].map((name) => ({ property: "Decision", select: { equals: name } }));
  const grace_ms = options.grace_ms ?? ((await webhooksArrive(env.DB, tenant_id)) ? POLL_GRACE_MS : 0);
  const youngest = now.getTime() - grace_ms;
  let cursor: string | undefined;
  do {
    const found = await client.dataSources.query({
      data_source_id: connection.data_sources.approvals,
      filter: { and: [{ or: decided }, { timestamp: "created_time", created_time: { on_or_after: since } }] },
      page_size: 100,
      ...(cursor ? { start_cursor: cursor } : {}),
    });
    for (const page of found.results) {
      if (!isFullPage(page)) continue;
      const row = byPage.get(page.id.replaceAll("-", "").toLowerCase());
      if (!row || Date.parse(page.last_edited_time) > youngest) continue;
      report.seen++;
      const taken = await escalationObject(env, row.id).takeDecision({
        tenant_id,
        escalation_id: row.id,
        page_id: page.id,
        signal: { source: "poll" },
      });
      if (taken.result === "unattributed") report.unattributed++;
      else if (taken.result === "accepted" || taken.result === "refused") report.taken++;
    }
    cursor = found.has_more && found.next_cursor ? found.next_cursor : undefined;
  } while (cursor);
  return report;
}

/** Whether verified webhook events reach this tenant (any in the last 48 hours, the ids the Worker keeps). */
async function webhooksArrive(db: D1Database, tenant_id: string): Promise<boolean> {
  return (
    (await db.prepare("SELECT 1 FROM notion_webhook_events WHERE tenant_id = ? LIMIT 1").bind(tenant_id).first()) !==
    null
  );
}

/**
 * Brings pages up to date with their escalations: a decided, executed, expired or cancelled escalation whose page
 * was last written as something else gets its Decision (and Decided by/at) written, each through its object.
 */
export async function followPages(env: Env, tenant_id: string): Promise<{ tenant_id: string; updated: number }> {
  const { results } = await env.DB.prepare(
    `SELECT id FROM escalations
      WHERE tenant_id = ? AND notion_page_id IS NOT NULL AND status != 'pending' AND page_decision IS NOT status
      ORDER BY created_at LIMIT ?`,
  )
    .bind(tenant_id, FOLLOW_LIMIT)
    .all<{ id: string }>();
  let updated = 0;
  for (const { id } of results)
    if ((await escalationObject(env, id).followPage({ tenant_id, escalation_id: id })) === "written") updated++;
  return { tenant_id, updated };
}

/**
 * Writes an escalation's status to its page as its Decision, when the tenant is connected and the page exists.
 * A page Notion refuses to update (deleted, or its schema changed) is given up, so no pass tries it again; a
 * Notion that is down throws, and the next pass tries again.
 */
export async function followPage(
  env: Env,
  target: { tenant_id: string; escalation_id: string },
  now = new Date(),
): Promise<"written" | "skipped" | "page_refused"> {
  const row = await env.DB.prepare("SELECT * FROM escalations WHERE id = ? AND tenant_id = ?")
    .bind(target.escalation_id, target.tenant_id)
    .first<Record<string, unknown>>();
  if (!row?.notion_page_id) return "skipped";
  const connection = await getConnection(env.DB, target.tenant_id);
  if (!connection) return "skipped";
  const client = await notionClientFor(env, connection, { deadline_ms: DEADLINE_MS });
  const escalation = rowOf(row);
  try {
    await writeDecision(env.DB, client, escalation, now);
    return "written";
  } catch (error) {
    if (!isThisPageOnly(error)) throw error;
    console.error(`approval page of ${escalation.id} refused its Decision, given up: ${String(error)}`);
    await env.DB.prepare("UPDATE escalations SET page_decision = status WHERE id = ? AND status = ?")
      .bind(escalation.id, escalation.status)
      .run();
    return "page_refused";
  }
}

/** The escalation's Durable Object, which serializes everything that decides or writes its page. */
export function escalationObject(env: Pick<Env, "ESCALATIONS">, escalation_id: string) {
  return env.ESCALATIONS.get(env.ESCALATIONS.idFromName(escalation_id));
}

/** Writes the Decision the escalation's status shows (with Decided by/at once decided) and remembers it. */
async function writeDecision(db: D1Database, client: Client, escalation: DecisionRow, now: Date) {
  const status = statusAt(escalation, now);
  const page = await client.pages.update({
    page_id: escalation.notion_page_id!,
    properties: {
      Decision: { select: { name: DECISION_LABELS[status] } },
      ...(escalation.decided_at ? { "Decided at": { date: { start: escalation.decided_at } } } : {}),
      ...(escalation.decided_by_user_id ? { "Decided by": { people: [{ id: escalation.decided_by_user_id }] } } : {}),
    },
  });
  await db
    .prepare("UPDATE escalations SET page_decision = ?, page_fingerprint = ? WHERE id = ? AND status = ?")
    .bind(status, await fingerprintOf(page), escalation.id, escalation.status)
    .run();
}

/** The fingerprint of a page an update answered with (null when Notion gave a partial page). */
async function fingerprintOf(page: Awaited<ReturnType<Client["pages"]["update"]>>): Promise<string | null> {
  return isFullPage(page) ? pageFingerprint(page) : null;
}

/** Sets the page's Decision back to Pending and says why in a comment. */
async function revert(db: D1Database, client: Client, escalation: DecisionRow, comment: string) {
  const page = await client.pages.update({
    page_id: escalation.notion_page_id!,
    properties: { Decision: { select: { name: "Pending" } } },
  });
  await db
    .prepare(
      "UPDATE escalations SET page_decision = 'pending', page_fingerprint = ? WHERE id = ? AND status = 'pending'",
    )
    .bind(await fingerprintOf(page), escalation.id)
    .run();
  await comment_(client, escalation, comment);
  return { result: "refused" as const, comment };
}

/**
 * Records a decision the poll saw but cannot attribute (someone else edited the page too, or its last editor is not
 * a person), puts the Decision back to Pending and asks an approver to set it again.
 */
async function unattributed(
  env: Env,
  client: Client,
  escalation: DecisionRow,
  page: PageObjectResponse,
  decision: "approved" | "denied",
  approvers: string,
  now: Date,
  record: LedgerRecorder,
): Promise<IntakeResult> {
  const recorded = await env.DB.prepare(
    `UPDATE escalations SET unattributed_decision = ?, unattributed_at = ?
      WHERE id = ? AND tenant_id = ? AND status = 'pending' RETURNING *`,
  )
    .bind(decision, now.toISOString(), escalation.id, escalation.tenant_id)
    .first<Record<string, unknown>>();
  if (!recorded) return { result: "ignored", reason: "already_recorded" };
  await record([
    decisionEvent(rowOf(recorded), {
      event: "decision_unattributed",
      decision,
      last_edited_by: page.last_edited_by.id,
      source: "poll",
    }),
  ]);
  await revert(
    env.DB,
    client,
    escalation,
    `Decision was set to ${DECISION_LABELS[decision]}, but Policy OS cannot tell who set it (the page was edited by someone else too, or not by a person), so it does not count and is back to Pending; ${approvers} should set it again.`,
  );
  return { result: "unattributed", decision };
}

function comment_(client: Client, escalation: DecisionRow, text: string) {
  return client.comments.create({
    parent: { page_id: escalation.notion_page_id! },
    rich_text: [{ type: "text", text: { content: text.slice(0, 2_000) } }],
  });
}

/** An `escalation` ledger entry about a decision taken in Notion. */
function decisionEvent(
  escalation: Escalation,
  fields: { event: "decided" | "decision_unattributed"; decision: string; source: string } & Record<string, string>,
): LedgerEntryInput {
  return {
    kind: "escalation",
    invocation_id: null,
    body: { escalation_id: escalation.id, agent_id: escalation.agent_id, tool: escalation.tool, ...fields },
  };
}

/** Whether the page lives in the tenant's Approvals database and belongs to this escalation. */
function isApprovalsPageOf(page: PageObjectResponse, connection: NotionConnection, escalation_id: string): boolean {
  const parent = page.parent;
  if (parent.type !== "data_source_id" || !sameId(parent.data_source_id, connection.data_sources.approvals))
    return false;
  const id = page.properties["Escalation ID"];
  return id?.type === "rich_text" && id.rich_text.map((part) => part.plain_text).join("") === escalation_id;
}

/** Whether an edit's changed property ids include the page's Decision (ids compare decoded: Notion encodes them). */
function changedDecision(page: PageObjectResponse, updated: readonly string[]): boolean {
  const id = page.properties.Decision?.id;
  if (!id) return false;
  const decoded = (value: string) => {
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  };
  return updated.some((changed) => decoded(changed) === decoded(id));
}

/**
 * Whether a name an escalation or agent gives a person (a name, an email, or an email's local part) is this
 * Notion user. Matching is generous on purpose: it only ever refuses a decision.
 */
function isThePerson(
  handle: string,
  person: { id: string; name: string | null; email: string | null },
  people: ReadonlyMap<string, string>,
): boolean {
  if (people.get(handle) === person.id) return true;
  const wanted = handle.trim().toLowerCase();
  const names = [person.name, person.email, person.email?.split("@")[0] ?? null];
  return names.some((name) => name !== null && name.trim().toLowerCase() === wanted);
}

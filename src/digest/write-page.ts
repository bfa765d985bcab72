import { APIErrorCode, isFullPage, isNotionClientError, type Client } from "@notionhq/client";
import type { Env } from "../env";
import { getConnection, notionClientFor } from "../notion/connection";
import { digestBlocks, digestPage, digestProperties, digestTitle } from "./digest-page";
import type { DigestFigures } from "./figures";
import type { DigestNarrative } from "./template";

/** Each Notion call gives up after this long; the next write tries again. */
const DEADLINE_MS = 20_000;
/** How long a writer holds a (tenant, week): longer than a lookup, an update and an append at their deadlines. */
const CLAIM_MS = 4 * DEADLINE_MS;

/** What writing a week's digest page did. */
export type DigestPageResult =
  /** `found_and_updated`: an earlier create whose answer was lost had made the page; it was found by its title. */
  | { status: "created" | "updated" | "found_and_updated"; page_id: string }
  /** `in_progress`: another writer holds the week (the cron and POST /admin/digest never both write it). */
  | { status: "skipped"; reason: "no_connection" | "in_progress" }
  | { status: "failed"; error: string };

/**
 * Writes `tenant_id`'s digest page for the week starting `week_start` in its Digests database: creates it the first
 * time, afterwards updates the same page's properties and replaces its body, so writing a week twice leaves one
 * page with the second figures. Notion has no idempotency keys: `attempted_at` is set before a create is sent, and
 * a create whose answer was lost is looked up by Week title and Tenant before another is sent. The (tenant, week)
 * row is claimed first, so two writers never write at once. Stores the page id, when, by whom and the figures.
 * Never throws for Notion's faults: they come back as `failed` and the next write tries again.
 *
 * @example await writeDigestPage(env, "acme", "2026-11-16", figures, templateNarrative(figures))
 */
export async function writeDigestPage(
  env: Env,
  tenant_id: string,
  week_start: string,
  figures: DigestFigures,
  narrative: DigestNarrative,
  options: { now?: () => Date } = {},
): Promise<DigestPageResult> {
  const db = env.DB;
  const now = options.now ?? (() => new Date());
  const connection = await getConnection(db, tenant_id);
  if (!connection) return { status: "skipped", reason: "no_connection" };

  const claimed = await db
    .prepare(
      `INSERT INTO digests (tenant_id, week_start, claimed_until) VALUES (?1, ?2, ?3)
       ON CONFLICT (tenant_id, week_start) DO UPDATE SET claimed_until = excluded.claimed_until
         WHERE digests.claimed_until IS NULL OR digests.claimed_until <= ?4
       RETURNING page_id, attempted_at`,
    )
    .bind(tenant_id, week_start, new Date(now().getTime() + CLAIM_MS).toISOString(), now().toISOString())
    .first<{ page_id: string | null; attempted_at: string | null }>();
  if (!claimed) return { status: "skipped", reason: "in_progress" };

  const row = (sql: string, ...values: unknown[]) =>
    db
      .prepare(`UPDATE digests SET ${sql} WHERE tenant_id = ? AND week_start = ?`)
      .bind(...values, tenant_id, week_start)
      .run();
  try {
    const client = await notionClientFor(env, connection, { deadline_ms: DEADLINE_MS });
    let page_id = claimed.page_id;
    let status: "created" | "updated" | "found_and_updated" = "updated";
    if (!page_id && claimed.attempted_at) {
      page_id = await findPage(client, connection.data_sources.digests, tenant_id, week_start);
      if (page_id) {
        status = "found_and_updated";
        await row("page_id = ?", page_id);
      }
    }
    if (page_id && !(await rewritten(client, page_id, figures, narrative))) {
      // Someone deleted the page in Notion: the week gets a new one.
      page_id = null;
      await row("page_id = NULL, attempted_at = NULL");
    }
    if (!page_id) {
      await row("attempted_at = ?", now().toISOString());
      const created = await client.pages.create(digestPage(figures, narrative, connection.data_sources.digests));
      page_id = created.id;
      status = "created";
    }
    await row(
      "page_id = ?, written_at = ?, written_by = ?, figures = ?, claimed_until = NULL",
      page_id,
      now().toISOString(),
      narrative.written_by,
      JSON.stringify(figures),
    );
    return { status, page_id };
  } catch (error) {
    await row("claimed_until = NULL");
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    console.error(`digest page for ${tenant_id}/${week_start} failed: ${message}`);
    return { status: "failed", error: message };
  }
}

/** The week's page that an earlier, unanswered create made, if it did. */
async function findPage(
  client: Client,
  data_source_id: string,
  tenant_id: string,
  week_start: string,
): Promise<string | null> {
  const found = await client.dataSources.query({
    data_source_id,
    filter: {
      and: [
        { property: "Week", title: { equals: digestTitle(week_start) } },
        { property: "Tenant", rich_text: { equals: tenant_id } },
      ],
    },
    page_size: 1,
  });
  return found.results.find(isFullPage)?.id ?? null;
}

/**
 * Rewrites the week's page in two requests: its properties with its body erased (`erase_content`), then the new body
 * (at most 100 blocks: one append). False when the page is gone (deleted or in the trash).
 */
async function rewritten(
  client: Client,
  page_id: string,
  figures: DigestFigures,
  narrative: DigestNarrative,
): Promise<boolean> {
  try {
    await client.pages.update({
      page_id,
      properties: digestProperties(figures, narrative.written_by),
      erase_content: true,
    });
  } catch (error) {
    const gone =
      isNotionClientError(error) &&
      (error.code === APIErrorCode.ObjectNotFound ||
        (error.code === APIErrorCode.ValidationError && /archived|trash/i.test(error.message)));
    if (gone) return false;
    throw error;
  }
  await client.blocks.children.append({ block_id: page_id, children: digestBlocks(figures, narrative) });
  return true;
}

/** The Notion-comment channel: a comment on the event's page that mentions the page's owners. */
import { isFullPage, type Client, type CreateCommentParameters, type PageObjectResponse } from "@notionhq/client";
import type { Env } from "../env";
import type { Attempt, NotionCommenter } from "../notifications/delivery";
import type { NotificationEvent } from "../notifications/notify";
import { getConnection, notionClientFor } from "./connection";

type RichText = NonNullable<Extract<CreateCommentParameters, { rich_text: unknown }>["rich_text"]>[number];

/** Each comment gives up after this long; the queue's next attempt tries again. */
const DEADLINE_MS = 20_000;
/** People properties whose people a page names as its owners (besides whoever created it). */
const OWNER_PROPERTIES = ["Owner", "Owners"];

/**
 * Comments on `event.notion_page_id` in the tenant's workspace: the event's title and summary, mentioning the page's
 * owners (its creator and the people of an Owner or Owners column, at most 10). An event without a page, or a tenant
 * without a Notion connection, fails for good; a Notion fault fails the attempt (the queue retries it).
 */
export function notionCommenter(env: Env): NotionCommenter {
  return async (event) => {
    if (!event.notion_page_id) return gone("the event names no Notion page to comment on");
    const connection = await getConnection(env.DB, event.tenant_id);
    if (!connection) return gone("the tenant has no Notion connection");
    try {
      const client = await notionClientFor(env, connection, { deadline_ms: DEADLINE_MS });
      await commentOn(client, event.notion_page_id, event);
      return { ok: true };
    } catch (error) {
      return { ok: false, error: `Notion refused the comment: ${describe(error)}`, permanent: false };
    }
  };
}

async function commentOn(client: Client, page_id: string, event: NotificationEvent): Promise<void> {
  const page = await client.pages.retrieve({ page_id });
  const owners = isFullPage(page) ? ownersOf(page) : [];
  const text = (content: string): RichText => ({ type: "text", text: { content } });
  const mentions = owners.flatMap((id, i): RichText[] => [
    ...(i > 0 ? [text(" ")] : []),
    { type: "mention", mention: { user: { id } } },
  ]);
  await client.comments.create({
    parent: { page_id },
    rich_text: [
      ...mentions,
      text(`${mentions.length > 0 ? " " : ""}${event.title}`.slice(0, 300)),
      text(event.summary ? `\n${event.summary}`.slice(0, 1_500) : ""),
    ].filter((part) => part.type !== "text" || part.text.content !== ""),
  });
}

/** The page's owners as Notion user ids: its creator, then the people of its Owner or Owners column. */
function ownersOf(page: PageObjectResponse): string[] {
  const ids = new Set<string>([page.created_by.id]);
  for (const name of OWNER_PROPERTIES) {
    const property = page.properties[name];
    if (property?.type === "people") for (const person of property.people) ids.add(person.id);
  }
  return [...ids].slice(0, 10);
}

function gone(error: string): Attempt {
  return { ok: false, error, permanent: true };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 200) : "unknown fault";
}

import type { CreateCommentParameters } from "@notionhq/client";
import type { Env } from "../env";
import { getConnection, notionClientFor } from "../notion/connection";
import { notionPeople } from "../notion/people";
import { escalationFrom } from "./escalations";

type RichTextItemRequest = NonNullable<Extract<CreateCommentParameters, { rich_text: unknown }>["rich_text"]>[number];

/** A reminder gives up on Notion after this long; the escalation's alarm tries again. */
const DEADLINE_MS = 20_000;

/**
 * Reminds an undecided escalation's approvers: one comment on its Approvals page that mentions each approver who is
 * a person in the workspace (others are named), says how long the request has waited and when it expires.
 * `sent` once commented (and recorded as `reminded_at`); `not_needed` when the escalation is no longer pending or its
 * tenant is not connected; `retry` when the page does not exist yet. Throws when Notion fails (the caller retries).
 */
export async function remindApprovers(
  env: Env,
  target: { tenant_id: string; escalation_id: string },
  now: Date,
): Promise<"sent" | "not_needed" | "retry"> {
  const row = await env.DB.prepare("SELECT * FROM escalations WHERE id = ? AND tenant_id = ?")
    .bind(target.escalation_id, target.tenant_id)
    .first<Record<string, unknown>>();
  if (!row || row.status !== "pending" || row.reminded_at || String(row.expires_at) <= now.toISOString())
    return "not_needed";
  const connection = await getConnection(env.DB, target.tenant_id);
  if (!connection) return "not_needed";
  if (typeof row.notion_page_id !== "string") return "retry";
  const escalation = escalationFrom(row);
  const client = await notionClientFor(env, connection, { deadline_ms: DEADLINE_MS });
  const people = await notionPeople(client);
  await client.comments.create({
    parent: { page_id: row.notion_page_id },
    rich_text: reminderText(escalation.approvers, people, {
      waiting_since: escalation.created_at,
      expires_at: escalation.expires_at,
    }),
  });
  await env.DB.prepare("UPDATE escalations SET reminded_at = ? WHERE id = ?")
    .bind(now.toISOString(), escalation.id)
    .run();
  return "sent";
}

/** The reminder as rich text: a mention of each approver found among the workspace's people, the others named. */
export function reminderText(
  approvers: readonly string[],
  people: ReadonlyMap<string, string>,
  times: { waiting_since: string; expires_at: string },
): RichTextItemRequest[] {
  const text = (content: string): RichTextItemRequest => ({ type: "text", text: { content } });
  const named: RichTextItemRequest[] = [];
  for (const [i, approver] of approvers.slice(0, 20).entries()) {
    if (i > 0) named.push(text(", "));
    const id = people.get(approver);
    named.push(id ? { type: "mention", mention: { user: { id } } } : text(approver.slice(0, 200)));
  }
  return [
    text("Reminder: "),
    ...(named.length > 0 ? named : [text("approvers")]),
    text(
      `, this request has waited for a decision since ${times.waiting_since}. Set Decision to Approved or Denied ` +
        `before ${times.expires_at}, when it expires and the agent's call will not run.`,
    ),
  ];
}

import type { CreateCommentParameters } from "@notionhq/client";

type RichTextItemRequest = NonNullable<Extract<CreateCommentParameters, { rich_text: unknown }>["rich_text"]>[number];

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

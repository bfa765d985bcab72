import { isFullUser, type Client } from "@notionhq/client";

/**
 * The workspace's person users by the names Policy OS gives people as: their name, their email, and their email's
 * local part when only one person has it (`manager`, `ops`, `requester` in the samples). Never guessed beyond that.
 */
export async function notionPeople(client: Client): Promise<Map<string, string>> {
  const people = new Map<string, string>();
  const handles = new Map<string, string | null>();
  let cursor: string | undefined;
  do {
    const page = await client.users.list({ start_cursor: cursor, page_size: 100 });
    for (const user of page.results) {
      if (!isFullUser(user) || user.type !== "person") continue;
      if (user.name) people.set(user.name, user.id);
      const email = user.person.email;
      if (!email) continue;
      people.set(email, user.id);
      const handle = email.split("@")[0]!;
      handles.set(handle, handles.has(handle) ? null : user.id);
    }
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  for (const [handle, id] of handles) if (id && !people.has(handle)) people.set(handle, id);
  return people;
}

/**
 * Accepting a held release on its Notion page: a manager writes a Reason and ticks Accept; the Worker takes it on
 * its next sync (cron, webhook or admin) through the same path as `POST /admin/releases/:id/accept`.
 */
import { isFullPage, isFullUser, type Client, type PageObjectResponse } from "@notionhq/client";
import { heldReleasePages, setReleaseAcceptedBy } from "../../db/release-pages";
import type { Tenant } from "../../db/tenancy";
import { acceptRelease, type AcceptDeps } from "../../release/accept";
import { richText } from "../page-properties";
import { flatten, textOf } from "../sync/row-values";

/** What one pass over the held releases' pages did. */
export interface AcceptanceReport {
  /** Releases accepted on their page, with who accepted them. */
  accepted: { release_id: string; by: string }[];
  /** Ticks that did not count (no Reason, not a person), put back with a comment saying why. */
  refused: { release_id: string; why: string }[];
}

/**
 * Reads the page of each of the tenant's held releases and takes the ones whose Accept is ticked. The person is the
 * page's last editor, looked up as an approval's decider is (a person, named by email, else name); a bot's tick or
 * one without a Reason is refused: Accept is unticked and a comment says why. Answers the tenant as it stands after
 * (an accepted release's snapshot in force). Notion faults propagate: the next sync tries again.
 */
export async function takeReleaseAcceptances(
  deps: AcceptDeps,
  client: Client,
  tenant: Tenant,
  count: () => void,
): Promise<{ tenant: Tenant; report: AcceptanceReport }> {
  const report: AcceptanceReport = { accepted: [], refused: [] };
  let current = tenant;
  for (const held of await heldReleasePages(deps.db, tenant.id)) {
    count();
    const page = await client.pages.retrieve({ page_id: held.notion_page_id });
    if (!isFullPage(page) || page.in_trash || !ticked(page)) continue;
    const property = page.properties.Reason;
    const reason = property ? textOf(flatten(property)).trim() : "";
    count();
    const user = await client.users.retrieve({ user_id: page.last_edited_by.id });
    const why =
      user.type !== "person"
        ? "Accept was ticked by an integration, not a person: a manager must tick it."
        : reason === ""
          ? "Accepting needs a Reason: write why the change may go live as it is, then tick Accept again."
          : null;
    if (why) {
      await refuse(client, page.id, why, count);
      report.refused.push({ release_id: held.id, why });
      continue;
    }
    const by = (isFullUser(user) && user.type === "person" ? user.person.email : null) ?? user.name ?? user.id;
    const accepted = await acceptRelease(deps, current, held.id, { by, reason });
    if (!accepted.ok) continue;
    await setReleaseAcceptedBy(deps.db, tenant.id, held.id, user.id);
    report.accepted.push({ release_id: held.id, by });
    current = { ...current, snapshot_hash: accepted.release.snapshot };
  }
  return { tenant: current, report };
}

function ticked(page: PageObjectResponse): boolean {
  const accept = page.properties.Accept;
  return accept?.type === "checkbox" && accept.checkbox;
}

async function refuse(client: Client, page_id: string, why: string, count: () => void) {
  count();
  await client.pages.update({ page_id, properties: { Accept: { checkbox: false } } });
  count();
  await client.comments.create({ parent: { page_id }, rich_text: richText(why) });
}

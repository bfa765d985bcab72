import {
  APIErrorCode,
  isFullPage,
  isFullUser,
  isNotionClientError,
  type Client,
  type PageObjectResponse,
} from "@notionhq/client";
import type { ApprovalPages, ApprovalPagesFor, ApprovalPageState, WrittenPage } from "../../approvals/ports";
import type { Env } from "../../env";
import { getConnection, notionClientFor, type NotionConnection } from "../connection";
import { selectOf } from "../page-properties";
import { notionPeople } from "../people";
import { approvalPage, pageFingerprint } from "./approval-page";
import { reminderText } from "./reminder-text";
import { replaceTemplateSummary, summaryBlock } from "./summary-block";

/** Each Notion call about Approvals pages gives up after this long; the caller's retry or next pass tries again. */
const DEADLINE_MS = 20_000;

/** Page and data source ids compare without dashes and case. */
const sameId = (a: string, b: string) => a.replaceAll("-", "").toLowerCase() === b.replaceAll("-", "").toLowerCase();

/**
 * The tenants' Approvals pages in their Notion workspaces: a tenant without a Notion connection has none. The
 * client is made on the first call, so a missing token secret fails that call like any other Notion fault.
 *
 * @example ensureApprovalPages(env.DB, notionApprovalPages(env), tenant_id)
 */
export function notionApprovalPages(env: Env): ApprovalPagesFor {
  return async (tenant_id) => {
    const connection = await getConnection(env.DB, tenant_id);
    if (!connection) return null;
    let client: Promise<Client> | null = null;
    return approvalPagesIn(
      connection,
      () => (client ??= notionClientFor(env, connection, { deadline_ms: DEADLINE_MS })),
    );
  };
}

/** One tenant's Approvals database, through a client made when first needed. */
function approvalPagesIn(connection: NotionConnection, notion: () => Promise<Client>): ApprovalPages {
  const approvals = connection.data_sources.approvals;
  return {
    async read(page_id) {
      const page = await (await notion()).pages.retrieve({ page_id });
      return isFullPage(page) ? stateOf(page, approvals) : null;
    },

    async user(user_id) {
      const user = await (await notion()).users.retrieve({ user_id });
      return {
        id: user.id,
        type: user.type,
        name: user.name ?? null,
        email: isFullUser(user) && user.type === "person" ? (user.person.email ?? null) : null,
      };
    },

    async people() {
      return notionPeople(await notion());
    },

    async setDecision(page_id, shown) {
      const page = await (
        await notion()
      ).pages.update({
        page_id,
        properties: {
          Decision: { select: { name: shown.label } },
          ...(shown.decided_at ? { "Decided at": { date: { start: shown.decided_at } } } : {}),
          ...(shown.decided_by_user_id ? { "Decided by": { people: [{ id: shown.decided_by_user_id }] } } : {}),
        },
      });
      return isFullPage(page) ? pageFingerprint(page) : null;
    },

    async comment(page_id, text) {
      await (
        await notion()
      ).comments.create({
        parent: { page_id },
        rich_text: [{ type: "text", text: { content: text.slice(0, 2_000) } }],
      });
    },

    async remind(page_id, escalation) {
      const client = await notion();
      const people = await notionPeople(client);
      await client.comments.create({
        parent: { page_id },
        rich_text: reminderText(escalation.approvers, people, {
          waiting_since: escalation.created_at,
          expires_at: escalation.expires_at,
        }),
      });
    },

    async findPage(escalation_id) {
      const found = await (
        await notion()
      ).dataSources.query({
        data_source_id: approvals,
        filter: { property: "Escalation ID", rich_text: { equals: escalation_id } },
        page_size: 1,
      });
      const page = found.results.find(isFullPage);
      return page ? written(page) : null;
    },

    async createPage(escalation, facts, people) {
      const parameters = approvalPage({ ...facts, escalation, approvals_data_source_id: approvals, people });
      const created = await (await notion()).pages.create(parameters);
      if (!isFullPage(created)) throw new Error("Notion answered the create with a partial page");
      return written(created);
    },

    async *decidedPages(since) {
      const client = await notion();
      const decided = ["Approved", "Denied"].map((name) => ({ property: "Decision", select: { equals: name } }));
      let cursor: string | undefined;
      do {
        const found = await client.dataSources.query({
          data_source_id: approvals,
          filter: { and: [{ or: decided }, { timestamp: "created_time", created_time: { on_or_after: since } }] },
          page_size: 100,
          ...(cursor ? { start_cursor: cursor } : {}),
        });
        for (const page of found.results)
          if (isFullPage(page)) yield { page_id: page.id, last_edited_time: page.last_edited_time };
        cursor = found.has_more && found.next_cursor ? found.next_cursor : undefined;
      } while (cursor);
    },

    async replaceSummary(page_id, parts) {
      await replaceTemplateSummary(await notion(), page_id, summaryBlock(parts));
    },

    isPageFault(error) {
      return (
        isNotionClientError(error) &&
        (error.code === APIErrorCode.ValidationError || error.code === APIErrorCode.ObjectNotFound)
      );
    },
  };
}

/** A page as the approval flows see it; its Escalation ID only when it is live in this Approvals database. */
async function stateOf(page: PageObjectResponse, approvals: string): Promise<ApprovalPageState> {
  const parent = page.parent;
  const id = page.properties["Escalation ID"];
  const live =
    !page.in_trash &&
    parent.type === "data_source_id" &&
    sameId(parent.data_source_id, approvals) &&
    id?.type === "rich_text";
  return {
    page_id: page.id,
    escalation_id: live ? id.rich_text.map((part) => part.plain_text).join("") : null,
    decision: selectOf(page, "Decision"),
    decision_property_id: page.properties.Decision?.id ?? null,
    last_edited_by: page.last_edited_by.id,
    fingerprint: await pageFingerprint(page),
  };
}

async function written(page: PageObjectResponse): Promise<WrittenPage> {
  return { page_id: page.id, fingerprint: await pageFingerprint(page) };
}

import type { Client, PageObjectResponse } from "@notionhq/client";
import type { ReleasePageStore } from "../../release/release-pages";
import { findPageBy, rewritePage } from "../database-page";
import { releaseBlocks, releasePage, releaseProperties } from "./release-page";

/** The tenant's Releases database through `client` (the integration's gated client). */
export function notionReleasePages(client: Client, data_source_id: string): ReleasePageStore {
  return {
    find: async (release_id) => {
      const page = await findPageBy(client, data_source_id, {
        property: "Release ID",
        rich_text: { equals: release_id },
      });
      return page ? written(page) : null;
    },
    create: async (view) =>
      written((await client.pages.create(releasePage(view, data_source_id))) as PageObjectResponse),
    rewrite: (page_id, view) => rewritePage(client, page_id, releaseProperties(view), releaseBlocks(view)),
  };
}

/** A page's id and address; an answer without a url gets Notion's canonical address of the id. */
function written(page: Pick<PageObjectResponse, "id"> & { url?: string }) {
  return { page_id: page.id, url: page.url || `https://www.notion.so/${page.id.replaceAll("-", "")}` };
}

import type { DataSourceObjectResponse, PageObjectResponse, SearchResponse } from "@notionhq/client";
import type { Handler } from "../context";
import { asRecord, validationError } from "../errors";
import { paginate, pageSizeOf } from "../paginate";
import { renderPage } from "../render-page";
import { plainText } from "../rich-text";
import { titleOf } from "./pages";

type Found = { item: PageObjectResponse | DataSourceObjectResponse; title: string; seq: number };

/** POST /v1/search: pages and data sources whose title contains the query (case-insensitive). */
export const search: Handler = (ctx): SearchResponse => {
  const body = ctx.body;
  const query = typeof body.query === "string" ? body.query.toLowerCase() : "";
  const filter = asRecord(body.filter);
  const only = filter?.value;
  if (filter && filter.property !== undefined && only !== "page" && only !== "data_source") {
    throw validationError("body failed validation: body.filter.value should be `page` or `data_source`.");
  }
  const inTrash = filter?.in_trash === true;
  const found: Found[] = [];
  if (only !== "data_source") {
    for (const { page, seq } of Object.values(ctx.state.pages)) {
      if (page.in_trash === inTrash)
        found.push({ item: renderPage(ctx.state, page), title: plainText(titleOf(page)), seq });
    }
  }
  if (only !== "page") {
    Object.values(ctx.state.dataSources).forEach((dataSource, i) => {
      if (dataSource.in_trash === inTrash)
        found.push({ item: dataSource, title: plainText(dataSource.title), seq: -1 - i });
    });
  }
  const sort = asRecord(body.sort);
  const ascending = sort?.timestamp === "last_edited_time" && sort.direction === "ascending";
  const matching = found
    .filter((f) => f.title.toLowerCase().includes(query))
    .sort((a, b) => {
      const byTime = a.item.last_edited_time.localeCompare(b.item.last_edited_time);
      return (ascending ? byTime : -byTime) || (ascending ? a.seq - b.seq : b.seq - a.seq);
    });
  const page = paginate(matching, (f) => f.item.id, body.start_cursor, pageSizeOf(body.page_size, "body.page_size"));
  return {
    object: "list",
    type: "page_or_data_source",
    page_or_data_source: {},
    results: page.results.map((f) => f.item),
    next_cursor: page.next_cursor,
    has_more: page.has_more,
  };
};

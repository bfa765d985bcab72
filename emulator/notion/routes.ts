import { appendBlockChildren, deleteBlock, listBlockChildren, updateBlock } from "./handlers/blocks";
import { createComment, listComments } from "./handlers/comments";
import { createDatabase, getDatabase } from "./handlers/databases";
import { createDataSource, getDataSource, queryDataSource, updateDataSource } from "./handlers/data-sources";
import { createPage, getPage, getPageProperty, updatePage } from "./handlers/pages";
import { search } from "./handlers/search";
import { getSelf, getUser, listUsers } from "./handlers/users";
import type { Route } from "./router";

/** The part of the Notion REST API the emulator implements. */
export const ROUTES: readonly Route[] = [
  { method: "POST", pattern: "/v1/databases", handler: createDatabase },
  { method: "GET", pattern: "/v1/databases/:database_id", handler: getDatabase },
  { method: "POST", pattern: "/v1/data_sources", handler: createDataSource },
  { method: "GET", pattern: "/v1/data_sources/:data_source_id", handler: getDataSource },
  { method: "PATCH", pattern: "/v1/data_sources/:data_source_id", handler: updateDataSource },
  { method: "POST", pattern: "/v1/data_sources/:data_source_id/query", handler: queryDataSource },
  { method: "POST", pattern: "/v1/pages", handler: createPage },
  { method: "GET", pattern: "/v1/pages/:page_id", handler: getPage },
  { method: "PATCH", pattern: "/v1/pages/:page_id", handler: updatePage },
  { method: "GET", pattern: "/v1/pages/:page_id/properties/:property_id", handler: getPageProperty },
  { method: "PATCH", pattern: "/v1/blocks/:block_id/children", handler: appendBlockChildren },
  { method: "GET", pattern: "/v1/blocks/:block_id/children", handler: listBlockChildren },
  { method: "PATCH", pattern: "/v1/blocks/:block_id", handler: updateBlock },
  { method: "DELETE", pattern: "/v1/blocks/:block_id", handler: deleteBlock },
  { method: "POST", pattern: "/v1/comments", handler: createComment },
  { method: "GET", pattern: "/v1/comments", handler: listComments },
  { method: "GET", pattern: "/v1/users", handler: listUsers },
  { method: "GET", pattern: "/v1/users/me", handler: getSelf },
  { method: "GET", pattern: "/v1/users/:user_id", handler: getUser },
  { method: "POST", pattern: "/v1/search", handler: search },
];

import type { CreateDatabaseParameters, DatabaseObjectResponse, GetDatabaseResponse } from "@notionhq/client";
import { stampOf, type Handler, type HandlerContext } from "../context";
import { asRecord, requireRecord, requireString, validationError } from "../errors";
import { newId, normalizeId, notionUrl } from "../ids";
import { databaseById, pageById } from "../lookup";
import { plainText, toRichText } from "../rich-text";
import { buildSchema } from "../schema";
import { appendChildBlock } from "./blocks";
import { newDataSource } from "./data-sources";

/** POST /v1/databases: a database under a page, with its first data source. */
export const createDatabase: Handler = (ctx): DatabaseObjectResponse => {
  const body = ctx.body as Partial<CreateDatabaseParameters>;
  const parent = requireRecord(body.parent, "body.parent");
  if (parent.type === "workspace" || parent.workspace !== undefined) {
    throw validationError(
      "body failed validation: body.parent.workspace: an internal integration cannot create workspace-level databases.",
    );
  }
  const parentPage = pageById(ctx.state, requireString(parent.page_id, "body.parent.page_id")).page;
  const names = (id: string) => ctx.directory.find(id)?.name ?? undefined;
  const title = toRichText(body.title ?? [], "body.title", names);
  const description = toRichText(body.description ?? [], "body.description", names);
  const properties = buildSchema(
    asRecord(body.initial_data_source)?.properties,
    "body.initial_data_source.properties",
    ctx.state,
  );
  const { time } = stampOf(ctx);
  const databaseId = newId();
  const dataSourceId = newId();
  const isInline = body.is_inline === true;
  const database: DatabaseObjectResponse = {
    object: "database",
    id: databaseId,
    title,
    description,
    parent: { type: "page_id", page_id: parentPage.id },
    is_inline: isInline,
    in_trash: false,
    archived: false,
    is_locked: false,
    created_time: time,
    last_edited_time: time,
    data_sources: [{ id: dataSourceId, name: plainText(title) }],
    icon: null,
    cover: null,
    url: notionUrl(databaseId),
    public_url: null,
  };
  ctx.state.databases[databaseId] = database;
  ctx.state.dataSources[dataSourceId] = newDataSource(ctx, {
    id: dataSourceId,
    database,
    title,
    description,
    properties,
  });
  appendChildBlock(ctx, parentPage.id, {
    id: databaseId,
    type: "child_database",
    child_database: { title: plainText(title) },
  });
  ctx.touch();
  return database;
};

/** GET /v1/databases/:database_id. */
export const getDatabase: Handler = (ctx): GetDatabaseResponse => databaseById(ctx.state, ctx.params.database_id ?? "");

/** The data source a `database_id` parent means: the database's only data source (Notion-Version 2025-09-03). */
export function soleDataSourceOf(ctx: HandlerContext, rawDatabaseId: string): string {
  const database = databaseById(ctx.state, normalizeId(rawDatabaseId));
  const [first, ...rest] = database.data_sources;
  if (!first || rest.length > 0) {
    throw validationError(
      `Database ${database.id} has ${database.data_sources.length} data sources: use a data_source_id parent.`,
    );
  }
  return first.id;
}

import type {
  CreateDataSourceParameters,
  DatabaseObjectResponse,
  DataSourceObjectResponse,
  GetDataSourceResponse,
  QueryDataSourceResponse,
  UpdateDataSourceParameters,
} from "@notionhq/client";
import { stampOf, type Handler } from "../context";
import { requireRecord, requireString, validationError } from "../errors";
import { matchesFilter } from "../filter";
import { newId, notionUrl } from "../ids";
import { databaseById, dataSourceById } from "../lookup";
import { paginate, pageSizeOf } from "../paginate";
import { renderPage } from "../render-page";
import { plainText, toRichText } from "../rich-text";
import { buildProperty, buildSchema, type PropertyConfig } from "../schema";
import { sortPages } from "../sort";

/** Notion's cap on the rows of one query: past it, the query ends with `request_status.type: "incomplete"`. */
export const QUERY_ROW_CAP = 10_000;

/** POST /v1/data_sources: another data source in an existing database. */
export const createDataSource: Handler = (ctx): DataSourceObjectResponse => {
  const body = ctx.body as Partial<CreateDataSourceParameters>;
  const database = databaseById(
    ctx.state,
    requireString(requireRecord(body.parent, "body.parent").database_id, "body.parent.database_id"),
  );
  const title = toRichText(body.title ?? [], "body.title", (id) => ctx.directory.find(id)?.name ?? undefined);
  const properties = buildSchema(body.properties, "body.properties", ctx.state);
  const dataSource = newDataSource(ctx, { database, title, description: [], properties });
  const { id } = dataSource;
  ctx.state.dataSources[id] = dataSource;
  database.data_sources.push({ id, name: plainText(title) });
  ctx.touch();
  return dataSource;
};

/** A new data source record of `database` (not yet stored), stamped with the caller and the time. */
export function newDataSource(
  ctx: Parameters<Handler>[0],
  fields: Pick<DataSourceObjectResponse, "title" | "description" | "properties"> & {
    database: Pick<DatabaseObjectResponse, "id" | "parent" | "is_inline">;
    id?: string;
  },
): DataSourceObjectResponse {
  const { time, user } = stampOf(ctx);
  const id = fields.id ?? newId();
  return {
    object: "data_source",
    id,
    title: fields.title,
    description: fields.description,
    parent: { type: "database_id", database_id: fields.database.id },
    database_parent: fields.database.parent,
    is_inline: fields.database.is_inline,
    in_trash: false,
    archived: false,
    created_time: time,
    last_edited_time: time,
    created_by: user,
    last_edited_by: user,
    properties: fields.properties,
    icon: null,
    cover: null,
    url: notionUrl(id),
    public_url: null,
  };
}

/** GET /v1/data_sources/:data_source_id. */
export const getDataSource: Handler = (ctx): GetDataSourceResponse =>
  dataSourceById(ctx.state, ctx.params.data_source_id ?? "");

/** PATCH /v1/data_sources/:data_source_id: title, and properties added, changed, renamed or removed (null). */
export const updateDataSource: Handler = (ctx): DataSourceObjectResponse => {
  const dataSource = dataSourceById(ctx.state, ctx.params.data_source_id ?? "");
  const body = ctx.body as Partial<UpdateDataSourceParameters>;
  const title =
    body.title === undefined
      ? dataSource.title
      : toRichText(body.title, "body.title", (id) => ctx.directory.find(id)?.name ?? undefined);
  const schema: Record<string, PropertyConfig> = { ...dataSource.properties };
  const changes: Array<{ id: string; name: string | null; action: "created" | "updated" | "deleted" }> = [];
  for (const [key, raw] of Object.entries(requireRecord(body.properties ?? {}, "body.properties"))) {
    const path = `body.properties.${key}`;
    const entry = Object.entries(schema).find(([name, c]) => name === key || c.id === key);
    if (raw === null) {
      if (!entry) throw validationError(`${key} is not a property that exists.`);
      if (entry[1].type === "title")
        throw validationError(`body failed validation: ${path}: the title property cannot be removed.`);
      delete schema[entry[0]];
      changes.push({ id: entry[1].id, name: entry[0], action: "deleted" });
      continue;
    }
    const request = requireRecord(raw, path);
    const newName = typeof request.name === "string" ? request.name : (entry?.[0] ?? key);
    const onlyRename = Object.keys(request).every((k) => k === "name" || k === "description");
    const config =
      entry && onlyRename
        ? {
            ...entry[1],
            name: newName,
            description: typeof request.description === "string" ? request.description : entry[1].description,
          }
        : buildProperty(newName, raw, path, ctx.state, entry?.[1]);
    if (entry) delete schema[entry[0]];
    if (schema[newName])
      throw validationError(`body failed validation: ${path}: a property named ${newName} already exists.`);
    schema[newName] = config;
    changes.push({ id: config.id, name: newName, action: entry ? "updated" : "created" });
  }
  const titles = Object.values(schema).filter((p) => p.type === "title").length;
  if (titles !== 1)
    throw validationError(
      `body failed validation: body.properties should leave exactly one title property, instead left ${titles}.`,
    );
  const { time, user } = stampOf(ctx);
  Object.assign(dataSource, { title, properties: schema, last_edited_time: time, last_edited_by: user });
  if (typeof body.in_trash === "boolean")
    Object.assign(dataSource, { in_trash: body.in_trash, archived: body.in_trash });
  const database = ctx.state.databases[dataSource.parent.database_id];
  const reference = database?.data_sources.find((d) => d.id === dataSource.id);
  if (reference) reference.name = plainText(title);
  ctx.touch();
  ctx.emit({
    type: "data_source.schema_updated",
    entity: { id: dataSource.id, type: "data_source" },
    data: { parent: { id: dataSource.parent.database_id, type: "database" }, updated_properties: changes },
  });
  return dataSource;
};

/** POST /v1/data_sources/:data_source_id/query: filter, sort, page (≤ 100) and the row cap (10,000 by default). */
export const queryDataSource: Handler = (ctx): QueryDataSourceResponse => {
  const dataSource = dataSourceById(ctx.state, ctx.params.data_source_id ?? "");
  const body = ctx.body;
  const pageSize = pageSizeOf(body.page_size, "body.page_size");
  const inTrash = body.in_trash === true || body.archived === true;
  const rows = Object.values(ctx.state.pages).filter(
    ({ page }) =>
      page.parent.type === "data_source_id" &&
      page.parent.data_source_id === dataSource.id &&
      page.in_trash === inTrash,
  );
  const matching =
    body.filter === undefined
      ? rows
      : rows.filter(({ page }) => matchesFilter(body.filter, page, dataSource.properties));
  const sorted = sortPages(matching, body.sorts, dataSource.properties);
  const capped = sorted.slice(0, ctx.queryRowCap);
  const onlyIds = ctx.query.getAll("filter_properties");
  const page = paginate(capped, (row) => row.page.id, body.start_cursor, pageSize);
  // The page that reaches the cap ends the query as if nothing followed, and says it is incomplete.
  const incomplete = sorted.length > ctx.queryRowCap && !page.has_more;
  return {
    object: "list",
    type: "page_or_data_source",
    page_or_data_source: {},
    results: page.results.map((row) => renderPage(ctx.state, row.page, onlyIds)),
    next_cursor: page.next_cursor,
    has_more: page.has_more,
    request_status: incomplete
      ? { type: "incomplete", incomplete_reason: "query_result_limit_reached" }
      : { type: "complete" },
  };
};

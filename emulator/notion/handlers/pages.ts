import type {
  CreatePageParameters,
  GetPagePropertyResponse,
  PageObjectResponse,
  PropertyItemObjectResponse,
  UpdatePageParameters,
} from "@notionhq/client";
import { stampOf, type Handler, type HandlerContext } from "../context";
import { archivedError, asRecord, requireRecord, validationError } from "../errors";
import { newId, normalizeId, notionUrl } from "../ids";
import { dataSourceById, pageById } from "../lookup";
import { paginate, pageSizeOf } from "../paginate";
import { applyValues } from "../property-values";
import { fullValue, renderPage, schemaOf } from "../render-page";
import { appendChildBlock, eraseContent, planChildren, setPageTrash, storePlan, webhookParentOf } from "./blocks";
import { soleDataSourceOf } from "./databases";
import { plainText } from "../rich-text";

/** POST /v1/pages: a row of a data source, or a page under a page; properties checked against the schema. */
export const createPage: Handler = (ctx): PageObjectResponse => {
  const body = ctx.body as Partial<CreatePageParameters>;
  for (const unsupported of ["markdown", "content", "position"] as const) {
    if (body[unsupported] !== undefined)
      throw validationError(`body failed validation: body.${unsupported} is not emulated.`);
  }
  if (body.template !== undefined && body.template.type !== "none")
    throw validationError("body failed validation: body.template is not emulated.");
  const parent = parentOf(ctx, requireRecord(body.parent, "body.parent"));
  const { time, user } = stampOf(ctx);
  const id = newId();
  const draft: PageObjectResponse = {
    object: "page",
    id,
    created_time: time,
    last_edited_time: time,
    in_trash: false,
    archived: false,
    is_archived: false,
    is_locked: false,
    url: notionUrl(id),
    public_url: null,
    parent,
    properties: {},
    icon: null,
    cover: null,
    created_by: user,
    last_edited_by: user,
  };
  const schema = structuredClone(schemaOf(ctx.state, draft));
  const applied = applyValues(body.properties, { schema, directory: ctx.directory, state: ctx.state });
  const children = body.children === undefined ? [] : planChildren(ctx, body.children, "body.children", 1);
  draft.properties = applied.values;
  ctx.state.pages[id] = { page: draft, seq: ctx.state.seq++ };
  if (parent.type === "data_source_id") commitSchema(ctx, parent.data_source_id, schema, applied.schemaChanged);
  if (parent.type === "page_id") {
    appendChildBlock(ctx, parent.page_id, { id, type: "child_page", child_page: { title: plainText(titleOf(draft)) } });
  }
  for (const child of children) storePlan(ctx, id, child);
  ctx.touch();
  ctx.emit({ type: "page.created", entity: { id, type: "page" }, data: { parent: webhookParentOf(ctx, id) } });
  return renderPage(ctx.state, draft);
};

/** GET /v1/pages/:page_id (honours `filter_properties`). */
export const getPage: Handler = (ctx): PageObjectResponse =>
  renderPage(ctx.state, pageById(ctx.state, ctx.params.page_id ?? "").page, ctx.query.getAll("filter_properties"));

/** PATCH /v1/pages/:page_id: property values, `erase_content` and `in_trash` (or the older `archived`). */
export const updatePage: Handler = (ctx): PageObjectResponse => {
  const { page } = pageById(ctx.state, ctx.params.page_id ?? "");
  const body = ctx.body as Partial<UpdatePageParameters>;
  for (const unsupported of ["template", "icon", "cover"] as const) {
    if (body[unsupported] !== undefined)
      throw validationError(`body failed validation: body.${unsupported} is not emulated.`);
  }
  const trash = body.in_trash ?? body.archived ?? body.is_archived;
  if (page.in_trash && trash !== false) throw archivedError();
  const schema = structuredClone(schemaOf(ctx.state, page));
  const applied = applyValues(body.properties, { schema, directory: ctx.directory, state: ctx.state });
  const { time, user } = stampOf(ctx);
  Object.assign(page.properties, applied.values);
  if (typeof body.is_locked === "boolean") page.is_locked = body.is_locked;
  page.last_edited_time = time;
  page.last_edited_by = user;
  if (page.parent.type === "data_source_id")
    commitSchema(ctx, page.parent.data_source_id, schema, applied.schemaChanged);
  const parent = webhookParentOf(ctx, page.id);
  const entity = { id: page.id, type: "page" as const };
  if (applied.changedIds.length > 0) {
    ctx.emit({ type: "page.properties_updated", entity, data: { parent, updated_properties: applied.changedIds } });
  }
  if (body.erase_content === true) eraseContent(ctx, page);
  if (typeof trash === "boolean") setPageTrash(ctx, page, trash);
  ctx.touch();
  return renderPage(ctx.state, page);
};

/** GET /v1/pages/:page_id/properties/:property_id: one value, or a paginated list for text, people and relations. */
export const getPageProperty: Handler = (ctx): GetPagePropertyResponse => {
  const { page } = pageById(ctx.state, ctx.params.page_id ?? "");
  const key = ctx.params.property_id ?? "";
  const entry = Object.entries(schemaOf(ctx.state, page)).find(([name, c]) => c.id === key || name === key);
  if (!entry) throw validationError(`Could not find property with id or name: ${key}`);
  const [name, config] = entry;
  const value = fullValue(page, name, config);
  const base = { object: "property_item" as const, id: config.id };
  let items: PropertyItemObjectResponse[];
  switch (value.type) {
    case "title":
      items = value.title.map((title) => ({ ...base, type: "title", title }));
      break;
    case "rich_text":
      items = value.rich_text.map((rich_text) => ({ ...base, type: "rich_text", rich_text }));
      break;
    case "people":
      items = value.people.flatMap((people) =>
        people.object === "user" ? [{ ...base, type: "people" as const, people }] : [],
      );
      break;
    case "relation":
      items = value.relation.map((relation) => ({ ...base, type: "relation", relation }));
      break;
    default: {
      const { id: _id, ...rest } = value;
      return { ...base, ...rest } as PropertyItemObjectResponse;
    }
  }
  const indexed = items.map((item, i) => ({ item, cursor: String(i) }));
  const listed = paginate(
    indexed,
    (x) => x.cursor,
    ctx.query.get("start_cursor"),
    pageSizeOf(ctx.query.get("page_size") ?? undefined, "query.page_size"),
  );
  return {
    object: "list",
    type: "property_item",
    property_item: { type: value.type, [value.type]: {}, next_url: null, id: config.id } as never,
    results: listed.results.map((x) => x.item),
    next_cursor: listed.next_cursor,
    has_more: listed.has_more,
  };
};

/** The title of a page, whatever its title property is called. */
export function titleOf(page: PageObjectResponse) {
  const title = Object.values(page.properties).find((v) => v.type === "title");
  return title?.type === "title" ? title.title : [];
}

function parentOf(ctx: HandlerContext, parent: Record<string, unknown>): PageObjectResponse["parent"] {
  if (typeof parent.data_source_id === "string" || typeof parent.database_id === "string") {
    const raw =
      typeof parent.data_source_id === "string"
        ? parent.data_source_id
        : soleDataSourceOf(ctx, String(parent.database_id));
    const dataSource = dataSourceById(ctx.state, raw);
    if (dataSource.in_trash) throw validationError(`Data source ${dataSource.id} is in the trash.`);
    return { type: "data_source_id", data_source_id: dataSource.id, database_id: dataSource.parent.database_id };
  }
  if (typeof parent.page_id === "string") {
    const { page } = pageById(ctx.state, parent.page_id);
    if (page.parent.type === "data_source_id") {
      // Notion allows pages under rows; the emulator keeps rows flat so queries stay simple.
      throw validationError("body failed validation: the emulator creates pages under plain pages only.");
    }
    return { type: "page_id", page_id: page.id };
  }
  if (asRecord(parent)?.workspace !== undefined) {
    throw validationError(
      "body failed validation: body.parent.workspace: an internal integration cannot create workspace-level pages.",
    );
  }
  throw validationError("body failed validation: body.parent should define data_source_id, database_id or page_id.");
}

function commitSchema(
  ctx: HandlerContext,
  dataSourceId: string,
  schema: Record<string, ReturnType<typeof schemaOf>[string]>,
  changed: boolean,
): void {
  const dataSource = ctx.state.dataSources[normalizeId(dataSourceId)];
  if (!dataSource || !changed) return;
  const { time, user } = stampOf(ctx);
  const before = new Set(
    Object.values(dataSource.properties).flatMap((c) =>
      (c.type === "select" ? c.select.options : c.type === "multi_select" ? c.multi_select.options : []).map(
        (o) => `${c.id}:${o.id}`,
      ),
    ),
  );
  const updated = Object.entries(schema).filter(([, c]) =>
    (c.type === "select" ? c.select.options : c.type === "multi_select" ? c.multi_select.options : []).some(
      (o) => !before.has(`${c.id}:${o.id}`),
    ),
  );
  Object.assign(dataSource, { properties: schema, last_edited_time: time, last_edited_by: user });
  ctx.emit({
    type: "data_source.schema_updated",
    entity: { id: dataSource.id, type: "data_source" },
    data: {
      parent: { id: dataSource.parent.database_id, type: "database" },
      updated_properties: updated.map(([name, c]) => ({ id: c.id, name, action: "updated" as const })),
    },
  });
}

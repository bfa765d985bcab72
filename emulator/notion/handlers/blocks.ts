import type {
  AppendBlockChildrenResponse,
  BlockObjectResponse,
  ListBlockChildrenResponse,
  PageObjectResponse,
} from "@notionhq/client";
import { stampOf, type Handler, type HandlerContext } from "../context";
import { archivedError, asRecord, limitError, notFound, requireArray, requireRecord, validationError } from "../errors";
import { newId, normalizeId } from "../ids";
import { paginate, pageSizeOf } from "../paginate";
import { toRichText } from "../rich-text";

/** Notion's limits on one append request. */
export const CHILDREN_PER_REQUEST = 100;
export const BLOCKS_PER_REQUEST = 1000;

const TEXT_BLOCKS = [
  "paragraph",
  "heading_1",
  "heading_2",
  "heading_3",
  "bulleted_list_item",
  "numbered_list_item",
  "to_do",
  "toggle",
  "quote",
  "callout",
  "code",
] as const;

type TextBlockType = (typeof TEXT_BLOCKS)[number];

/** A block checked and built, not yet stored. */
interface PlannedBlock {
  content: Record<string, unknown> & { type: string; id: string };
  children: PlannedBlock[];
}

/** PATCH /v1/blocks/:block_id/children: appends up to 100 children, nested at most two levels. */
export const appendBlockChildren: Handler = (ctx): AppendBlockChildrenResponse => {
  if (ctx.body.after !== undefined || ctx.body.position !== undefined) {
    throw validationError("body failed validation: the emulator appends at the end only (no after or position).");
  }
  const parentId = containerId(ctx, ctx.params.block_id ?? "");
  const plans = planChildren(ctx, ctx.body.children, "body.children", 1);
  const total = countBlocks(plans);
  if (total > BLOCKS_PER_REQUEST) throw limitError("body.children (blocks in total)", BLOCKS_PER_REQUEST, total);
  const results = plans.map((plan) => storePlan(ctx, parentId, plan));
  emitContentUpdate(ctx, owningPage(ctx, parentId), results);
  ctx.touch();
  return { object: "list", type: "block", block: {}, results, next_cursor: null, has_more: false };
};

/** Body fields of a block update that are not a block type's key. */
const UPDATE_FIELDS = new Set(["type", "in_trash", "archived"]);

/** PATCH /v1/blocks/:block_id: a text block's fields, or `in_trash` (or the older `archived`); never its type. */
export const updateBlock: Handler = (ctx): BlockObjectResponse => {
  const block = blockById(ctx, ctx.params.block_id ?? "");
  const requested = [ctx.body.type, ...Object.keys(ctx.body).filter((key) => !UPDATE_FIELDS.has(key))];
  const otherType = requested.find((type) => type !== undefined && type !== block.type);
  if (otherType !== undefined) {
    throw validationError(
      `body failed validation: a \`${block.type}\` block cannot become a \`${String(otherType)}\` block.`,
    );
  }
  const trash = trashFlagOf(ctx.body);
  if (block.in_trash && trash !== false) throw archivedError();
  const fields = fieldsOf(block);
  const raw = ctx.body[block.type];
  let content: Record<string, unknown> | undefined;
  if (raw !== undefined) {
    const path = `body.${block.type}`;
    if (!isTextBlock(block.type))
      throw validationError(`body failed validation: ${path}: the emulator updates text blocks only.`);
    const payload = requireRecord(raw, path);
    if (payload.children !== undefined) {
      throw validationError(
        `body failed validation: ${path}.children should be not present; append children with PATCH /v1/blocks/:block_id/children.`,
      );
    }
    content = textContent(ctx, block.type, payload, path, fields);
  }
  if (content === undefined && (trash === undefined || trash === block.in_trash)) return block;
  if (content) Object.assign(fields, content);
  if (trash !== undefined) setBlockTrash(ctx, block, trash);
  recordEdit(ctx, block);
  return block;
};

/** DELETE /v1/blocks/:block_id: moves a block, or a child page with its page, to the trash and returns it. */
export const deleteBlock: Handler = (ctx): BlockObjectResponse => {
  const block = blockById(ctx, ctx.params.block_id ?? "");
  if (block.in_trash) throw archivedError();
  setBlockTrash(ctx, block, true);
  recordEdit(ctx, block);
  return block;
};

/** GET /v1/blocks/:block_id/children, paginated. */
export const listBlockChildren: Handler = (ctx): ListBlockChildrenResponse => {
  const parentId = containerId(ctx, ctx.params.block_id ?? "");
  // Notion lists only the children that are not in the trash.
  const blocks = (ctx.state.children[parentId] ?? [])
    .flatMap((id) => ctx.state.blocks[id] ?? [])
    .filter((b) => !b.in_trash);
  const page = paginate(
    blocks,
    (b) => b.id,
    ctx.query.get("start_cursor"),
    pageSizeOf(ctx.query.get("page_size") ?? undefined, "query.page_size"),
  );
  return { object: "list", type: "block", block: {}, ...page };
};

/** Checks children from a request (pages.create or append) and plans them as blocks. */
export function planChildren(ctx: HandlerContext, raw: unknown, path: string, level: number): PlannedBlock[] {
  const children = requireArray(raw, path);
  if (children.length > CHILDREN_PER_REQUEST) throw limitError(`${path}.length`, CHILDREN_PER_REQUEST, children.length);
  return children.map((value, i) => planBlock(ctx, requireRecord(value, `${path}[${i}]`), `${path}[${i}]`, level));
}

/** Stores planned blocks under a page or block and returns the top-level ones as Notion does. */
export function storePlan(ctx: HandlerContext, parentId: string, plan: PlannedBlock): BlockObjectResponse {
  const block = appendChildBlock(ctx, parentId, plan.content);
  for (const child of plan.children) storePlan(ctx, block.id, child);
  return ctx.state.blocks[block.id] ?? block;
}

/** Stores one block as the last child of a page or block. */
export function appendChildBlock(
  ctx: HandlerContext,
  parentId: string,
  content: Record<string, unknown> & { type: string; id: string },
): BlockObjectResponse {
  const { time, user } = stampOf(ctx);
  const parent = ctx.state.pages[parentId]
    ? { type: "page_id" as const, page_id: parentId }
    : { type: "block_id" as const, block_id: parentId };
  const block = {
    object: "block",
    parent,
    created_time: time,
    created_by: user,
    last_edited_time: time,
    last_edited_by: user,
    has_children: false,
    in_trash: false,
    archived: false,
    ...content,
  } as BlockObjectResponse;
  ctx.state.blocks[block.id] = block;
  ctx.state.children[parentId] = [...(ctx.state.children[parentId] ?? []), block.id];
  const parentBlock = ctx.state.blocks[parentId];
  if (parentBlock) parentBlock.has_children = true;
  return block;
}

function planBlock(ctx: HandlerContext, request: Record<string, unknown>, path: string, level: number): PlannedBlock {
  const type = typeof request.type === "string" ? request.type : Object.keys(request).find((k) => k !== "object");
  if (type === "divider") return { content: { id: newId(), type, divider: {} }, children: [] };
  if (!isTextBlock(type)) {
    throw validationError(`body failed validation: ${path}: the emulator does not support \`${String(type)}\` blocks.`);
  }
  const payload = requireRecord(request[type], `${path}.${type}`);
  const content = textContent(ctx, type, payload, `${path}.${type}`, newTextContent(type));
  let children: PlannedBlock[] = [];
  if (payload.children !== undefined) {
    if (level >= 2)
      throw validationError(
        `body failed validation: ${path}.${type}.children: at most two levels of nesting per request.`,
      );
    children = planChildren(ctx, payload.children, `${path}.${type}.children`, level + 1);
  }
  return { content: { id: newId(), type, [type]: content }, children };
}

function isTextBlock(type: string | undefined): type is TextBlockType {
  return (TEXT_BLOCKS as readonly (string | undefined)[]).includes(type);
}

/** The fields of a new text block before the request sets any. */
function newTextContent(type: TextBlockType): Record<string, unknown> {
  if (type === "code") return { rich_text: [], language: "plain text", caption: [] };
  const content: Record<string, unknown> = { rich_text: [], color: "default" };
  if (type === "to_do") content.checked = false;
  if (type.startsWith("heading_")) content.is_toggleable = false;
  if (type === "paragraph" || type === "callout") content.icon = null;
  return content;
}

/** A text block's fields: those the request sets, checked against Notion's limits, over `current`. */
function textContent(
  ctx: HandlerContext,
  type: TextBlockType,
  payload: Record<string, unknown>,
  path: string,
  current: Record<string, unknown>,
): Record<string, unknown> {
  const names = (id: string) => ctx.directory.find(id)?.name ?? undefined;
  const content = { ...current };
  if (payload.rich_text !== undefined) content.rich_text = toRichText(payload.rich_text, `${path}.rich_text`, names);
  if (type !== "code" && typeof payload.color === "string") content.color = payload.color;
  if (type === "to_do" && payload.checked !== undefined) content.checked = payload.checked === true;
  if (type.startsWith("heading_") && payload.is_toggleable !== undefined)
    content.is_toggleable = payload.is_toggleable === true;
  if (type === "code") {
    if (typeof payload.language === "string") content.language = payload.language;
    if (payload.caption !== undefined) content.caption = toRichText(payload.caption, `${path}.caption`, names);
  }
  return content;
}

function countBlocks(plans: readonly PlannedBlock[]): number {
  return plans.reduce((n, p) => n + 1 + countBlocks(p.children), 0);
}

function containerId(ctx: HandlerContext, raw: string): string {
  const id = normalizeId(raw);
  if (!ctx.state.pages[id] && !ctx.state.blocks[id]) throw notFound("block", id);
  return id;
}

/** The stored block with this id, or 404; a page without a block (a row, the root page) is refused. */
function blockById(ctx: HandlerContext, raw: string): BlockObjectResponse {
  const id = normalizeId(raw);
  const block = ctx.state.blocks[id];
  if (block) return block;
  if (ctx.state.pages[id]) {
    throw validationError(
      "body failed validation: the emulator edits blocks and child pages only; trash a database row with PATCH /v1/pages/:page_id and in_trash.",
    );
  }
  throw notFound("block", id);
}

/** The type-specific fields of a block (`block.paragraph` for a paragraph), as the live stored object. */
function fieldsOf(block: BlockObjectResponse): Record<string, unknown> {
  return asRecord((block as unknown as Record<string, unknown>)[block.type]) ?? {};
}

/** `in_trash`, or the older `archived`, when the body sets it. */
function trashFlagOf(body: Record<string, unknown>): boolean | undefined {
  const trash = body.in_trash ?? body.archived;
  if (trash === undefined) return undefined;
  if (typeof trash !== "boolean")
    throw validationError(
      `body failed validation: body.in_trash should be a boolean, instead was \`${JSON.stringify(trash)}\`.`,
    );
  return trash;
}

/** Moves a block to or from the trash; a child_page block takes its page along. */
function setBlockTrash(ctx: HandlerContext, block: BlockObjectResponse, trash: boolean): void {
  const page = block.type === "child_page" ? ctx.state.pages[block.id]?.page : undefined;
  if (page) return setPageTrash(ctx, page, trash);
  Object.assign(block, { in_trash: trash, archived: trash });
  refreshHasChildren(ctx, parentIdOf(block));
}

/** `pages.update`'s `erase_content`: every block on the page goes to the trash (child pages with their blocks). */
export function eraseContent(ctx: HandlerContext, page: PageObjectResponse): void {
  const erased = (ctx.state.children[page.id] ?? [])
    .flatMap((id) => ctx.state.blocks[id] ?? [])
    .filter((block) => !block.in_trash);
  for (const block of erased) setBlockTrash(ctx, block, true);
  if (erased.length > 0) emitContentUpdate(ctx, page.id, erased);
}

/** Moves a page, and the child_page block showing it, to or from the trash; reports page.deleted or page.undeleted. */
export function setPageTrash(ctx: HandlerContext, page: PageObjectResponse, trash: boolean): void {
  if (page.in_trash === trash) return;
  Object.assign(page, { in_trash: trash, archived: trash, is_archived: trash });
  const block = ctx.state.blocks[page.id];
  if (block) {
    Object.assign(block, { in_trash: trash, archived: trash });
    refreshHasChildren(ctx, parentIdOf(block));
  }
  ctx.emit({
    type: trash ? "page.deleted" : "page.undeleted",
    entity: { id: page.id, type: "page" },
    data: { parent: webhookParentOf(ctx, page.id) },
  });
}

/** A block has children while any of them is out of the trash. */
function refreshHasChildren(ctx: HandlerContext, parentId: string | undefined): void {
  const parent = parentId === undefined ? undefined : ctx.state.blocks[parentId];
  if (!parent || !parentId) return;
  parent.has_children = (ctx.state.children[parentId] ?? []).some((id) => ctx.state.blocks[id]?.in_trash === false);
}

/** Stamps an edited block and the page it is on, and reports page.content_updated for that page. */
function recordEdit(ctx: HandlerContext, block: BlockObjectResponse): void {
  const { time, user } = stampOf(ctx);
  const stamp = { last_edited_time: time, last_edited_by: user };
  Object.assign(block, stamp);
  const pageId = owningPage(ctx, parentIdOf(block));
  const page = pageId === undefined ? undefined : ctx.state.pages[pageId]?.page;
  if (page) Object.assign(page, stamp);
  emitContentUpdate(ctx, pageId, [block]);
  ctx.touch();
}

function parentIdOf(block: BlockObjectResponse): string | undefined {
  const parent = block.parent;
  return parent.type === "page_id" ? parent.page_id : parent.type === "block_id" ? parent.block_id : undefined;
}

/** The page a page or block belongs to. */
function owningPage(ctx: HandlerContext, id: string | undefined): string | undefined {
  let current = id;
  for (let hops = 0; current && hops < 64; hops++) {
    if (ctx.state.pages[current]) return current;
    const block: BlockObjectResponse | undefined = ctx.state.blocks[current];
    current = block && parentIdOf(block);
  }
  return undefined;
}

function emitContentUpdate(
  ctx: HandlerContext,
  pageId: string | undefined,
  blocks: readonly BlockObjectResponse[],
): void {
  if (!pageId) return;
  ctx.emit({
    type: "page.content_updated",
    entity: { id: pageId, type: "page" },
    data: { parent: webhookParentOf(ctx, pageId), updated_blocks: blocks.map((b) => ({ id: b.id, type: "block" })) },
  });
}

/** A page's parent as webhook payloads describe it. */
export function webhookParentOf(
  ctx: HandlerContext,
  pageId: string,
): { id: string; type: "page" | "database" | "space"; data_source_id?: string } {
  const parent = ctx.state.pages[pageId]?.page.parent;
  if (parent?.type === "data_source_id")
    return { id: parent.database_id, type: "database", data_source_id: parent.data_source_id };
  if (parent?.type === "page_id") return { id: parent.page_id, type: "page" };
  return { id: ctx.directory.workspace.workspaceId, type: "space" };
}

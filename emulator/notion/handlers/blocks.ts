import type { AppendBlockChildrenResponse, BlockObjectResponse, ListBlockChildrenResponse } from "@notionhq/client";
import { stampOf, type Handler, type HandlerContext } from "../context";
import { limitError, notFound, requireArray, requireRecord, validationError } from "../errors";
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
  emitContentUpdate(ctx, parentId, results);
  ctx.touch();
  return { object: "list", type: "block", block: {}, results, next_cursor: null, has_more: false };
};

/** GET /v1/blocks/:block_id/children, paginated. */
export const listBlockChildren: Handler = (ctx): ListBlockChildrenResponse => {
  const parentId = containerId(ctx, ctx.params.block_id ?? "");
  const blocks = (ctx.state.children[parentId] ?? []).flatMap((id) => ctx.state.blocks[id] ?? []);
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
  if (!type || !(TEXT_BLOCKS as readonly string[]).includes(type)) {
    throw validationError(`body failed validation: ${path}: the emulator does not support \`${String(type)}\` blocks.`);
  }
  const payload = requireRecord(request[type], `${path}.${type}`);
  const names = (id: string) => ctx.directory.find(id)?.name ?? undefined;
  const richText = toRichText(payload.rich_text ?? [], `${path}.${type}.rich_text`, names);
  const color = typeof payload.color === "string" ? payload.color : "default";
  const content: Record<string, unknown> = { rich_text: richText, color };
  if (type === "to_do") content.checked = payload.checked === true;
  if (type.startsWith("heading_")) content.is_toggleable = payload.is_toggleable === true;
  if (type === "paragraph" || type === "callout") content.icon = null;
  if (type === "code") {
    delete content.color;
    content.language = typeof payload.language === "string" ? payload.language : "plain text";
    content.caption = toRichText(payload.caption ?? [], `${path}.code.caption`, names);
  }
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

function countBlocks(plans: readonly PlannedBlock[]): number {
  return plans.reduce((n, p) => n + 1 + countBlocks(p.children), 0);
}

function containerId(ctx: HandlerContext, raw: string): string {
  const id = normalizeId(raw);
  if (!ctx.state.pages[id] && !ctx.state.blocks[id]) throw notFound("block", id);
  return id;
}

/** The page a page or block belongs to. */
function owningPage(ctx: HandlerContext, id: string): string | undefined {
  let current: string | undefined = id;
  for (let hops = 0; current && hops < 64; hops++) {
    if (ctx.state.pages[current]) return current;
    const parent: BlockObjectResponse["parent"] | undefined = ctx.state.blocks[current]?.parent;
    current = parent?.type === "page_id" ? parent.page_id : parent?.type === "block_id" ? parent.block_id : undefined;
  }
  return undefined;
}

function emitContentUpdate(ctx: HandlerContext, parentId: string, blocks: readonly BlockObjectResponse[]): void {
  const pageId = owningPage(ctx, parentId);
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

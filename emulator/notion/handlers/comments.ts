import type { CommentObjectResponse, ListCommentsResponse } from "@notionhq/client";
import { stampOf, type Handler } from "../context";
import { notFound, requireRecord, requireString, validationError } from "../errors";
import { newId, normalizeId } from "../ids";
import { paginate, pageSizeOf } from "../paginate";
import { toRichText } from "../rich-text";

/** POST /v1/comments: a new discussion on a page or block, or a reply to a discussion. */
export const createComment: Handler = (ctx): CommentObjectResponse => {
  const body = ctx.body;
  if (body.markdown !== undefined || body.attachments !== undefined) {
    throw validationError("body failed validation: the emulator takes comments as rich_text only.");
  }
  const richText = toRichText(body.rich_text, "body.rich_text", (id) => ctx.directory.find(id)?.name ?? undefined);
  let parent: CommentObjectResponse["parent"];
  let discussionId: string;
  if (body.discussion_id !== undefined) {
    discussionId = requireString(body.discussion_id, "body.discussion_id");
    const first = Object.values(ctx.state.comments).find((c) => c.discussion_id === discussionId);
    if (!first) throw notFound("discussion", discussionId);
    parent = first.parent;
  } else {
    const request = requireRecord(body.parent, "body.parent");
    const pageId = typeof request.page_id === "string" ? normalizeId(request.page_id) : undefined;
    const blockId = typeof request.block_id === "string" ? normalizeId(request.block_id) : undefined;
    if (pageId !== undefined) {
      if (!ctx.state.pages[pageId]) throw notFound("page", pageId);
      parent = { type: "page_id", page_id: pageId };
    } else if (blockId !== undefined) {
      if (!ctx.state.blocks[blockId]) throw notFound("block", blockId);
      parent = { type: "block_id", block_id: blockId };
    } else {
      throw validationError("body failed validation: body.parent should define page_id or block_id.");
    }
    discussionId = newId();
  }
  const { time, user } = stampOf(ctx);
  const author = ctx.directory.find(ctx.actor.id);
  const comment: CommentObjectResponse = {
    object: "comment",
    id: newId(),
    parent,
    discussion_id: discussionId,
    created_time: time,
    last_edited_time: time,
    created_by: user,
    rich_text: richText,
    display_name: { type: ctx.actor.type === "bot" ? "integration" : "user", resolved_name: author?.name ?? null },
  };
  ctx.state.comments[comment.id] = comment;
  ctx.touch();
  const target =
    parent.type === "page_id"
      ? { id: parent.page_id, type: "page" as const }
      : { id: parent.block_id, type: "block" as const };
  ctx.emit({
    type: "comment.created",
    entity: { id: comment.id, type: "comment" },
    data: { parent: target, page_id: pageOf(parent) },
  });
  return comment;

  function pageOf(p: CommentObjectResponse["parent"]): string {
    if (p.type === "page_id") return p.page_id;
    const block = ctx.state.blocks[p.block_id];
    return block?.parent.type === "page_id" ? block.parent.page_id : p.block_id;
  }
};

/** GET /v1/comments?block_id=…: the comments on a page or block, oldest first, paginated. */
export const listComments: Handler = (ctx): ListCommentsResponse => {
  const id = normalizeId(ctx.query.get("block_id") ?? "");
  if (!ctx.state.pages[id] && !ctx.state.blocks[id]) throw notFound("block", id);
  const comments = Object.values(ctx.state.comments).filter(
    (c) => (c.parent.type === "page_id" ? c.parent.page_id : c.parent.block_id) === id,
  );
  const page = paginate(
    comments,
    (c) => c.id,
    ctx.query.get("start_cursor"),
    pageSizeOf(ctx.query.get("page_size") ?? undefined, "query.page_size"),
  );
  return { object: "list", type: "comment", comment: {}, ...page };
};

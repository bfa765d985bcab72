import type { GetSelfResponse, GetUserResponse, ListUsersResponse } from "@notionhq/client";
import type { Handler } from "../context";
import { notFound } from "../errors";
import { normalizeId } from "../ids";
import { paginate, pageSizeOf } from "../paginate";

/** GET /v1/users: the bot and every person, paginated. */
export const listUsers: Handler = (ctx): ListUsersResponse => {
  const page = paginate(
    ctx.directory.all(),
    (u) => u.id,
    ctx.query.get("start_cursor"),
    pageSizeOf(ctx.query.get("page_size") ?? undefined, "query.page_size"),
  );
  return { object: "list", type: "user", user: {}, ...page };
};

/** GET /v1/users/me: the token's bot user (for a `person:` token, that person). */
export const getSelf: Handler = (ctx): GetSelfResponse => {
  const user = ctx.directory.find(ctx.actor.id);
  if (!user) throw notFound("user", ctx.actor.id);
  return user;
};

/** GET /v1/users/:user_id. */
export const getUser: Handler = (ctx): GetUserResponse => {
  const id = normalizeId(ctx.params.user_id ?? "");
  const user = ctx.directory.find(id);
  if (!user) throw notFound("user", id);
  return user;
};

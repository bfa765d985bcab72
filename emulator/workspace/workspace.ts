import type {
  BlockObjectResponse,
  CommentObjectResponse,
  DataSourceObjectResponse,
  ListBlockChildrenResponse,
  PageObjectResponse,
  QueryDataSourceResponse,
  SearchResponse,
  UserObjectResponse,
} from "@notionhq/client";
import { NOTION_VERSION, type NotionEmulator } from "../notion";
import { WORKSPACE_CSS, WORKSPACE_JS } from "./assets";
import type { Html } from "./html";
import { pageTitle, requestValue } from "./property-cells";
import { errorView, homeView, pageView, tableView, type BlockTree, type Frame } from "./views";

/** Rows a table shows (one page of a query, Notion's largest); a local workspace's databases hold fewer. */
const TABLE_ROWS = 100;
const COOKIE = "workspace_person";

/** The emulator's web workspace: answers every request that is not the Notion API (`/v1/…`). */
export interface Workspace {
  handle(request: Request): Promise<Response>;
}

/**
 * A small web workspace over `emulator`: its databases as tables, pages with properties, blocks and comments, and the
 * edits a person makes in Notion for Policy OS. Every read and edit is a Notion API request to the emulator as the
 * chosen person (`Bearer person:<handle>`), so edits are authored by that person and send webhooks as the API does.
 */
export function createWorkspace(emulator: NotionEmulator): Workspace {
  const { directory } = emulator;
  const people = directory.people;

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    if (request.method === "GET" && path === "/workspace.js") return asset(WORKSPACE_JS, "text/javascript");
    if (request.method === "GET" && path === "/workspace.css") return asset(WORKSPACE_CSS, "text/css");
    if (request.method === "POST" && !sameOrigin(request, url))
      return new Response("Cross-site requests cannot edit the workspace.", { status: 403 });
    const person = personOf(request);
    const notion = notionAs(person, url.origin);
    const frame: Frame = {
      workspaceName: directory.workspace.workspaceName,
      people,
      person,
      path: path + url.search,
      nameOf: await namer(notion),
    };
    const form = request.method === "POST" ? await request.formData() : undefined;
    const field = (name: string) => {
      const value = form?.get(name);
      return typeof value === "string" ? value : null;
    };

    if (request.method === "POST" && path === "/person") {
      const chosen = people.find((p) => p.handle === field("person"));
      if (!chosen) return page(errorView(frame, "No such person in this workspace."), 400);
      const back = field("back") ?? "/";
      return redirect(back.startsWith("/") && !back.startsWith("//") ? back : "/", {
        "set-cookie": `${COOKIE}=${chosen.handle}; Path=/; SameSite=Strict; HttpOnly`,
      });
    }
    if (request.method === "GET" && path === "/") {
      const found = await notion<SearchResponse>("POST", "/v1/search", {
        filter: { property: "object", value: "data_source" },
      });
      if ("error" in found) return page(errorView(frame, found.error), found.status);
      const sources = found.value.results.filter((r): r is DataSourceObjectResponse => r.object === "data_source");
      return page(homeView(frame, sources));
    }

    const table = /^\/data-sources\/([^/]+)(\/rows)?$/.exec(path);
    if (table) {
      const id = segment(table[1]!);
      const source = await notion<DataSourceObjectResponse>("GET", `/v1/data_sources/${id}`);
      if ("error" in source) return page(errorView(frame, source.error), source.status);
      if (request.method === "POST" && table[2]) {
        const titleName = Object.entries(source.value.properties).find(([, c]) => c.type === "title")?.[0];
        if (!titleName) return page(errorView(frame, "This database has no title property."), 400);
        const created = await notion<PageObjectResponse>("POST", "/v1/pages", {
          parent: { data_source_id: source.value.id },
          properties: { [titleName]: { title: [{ type: "text", text: { content: field("title") ?? "" } }] } },
        });
        if ("error" in created) return page(errorView(frame, created.error), created.status);
        return redirect(`/pages/${encodeURIComponent(created.value.id)}`);
      }
      if (request.method !== "GET" || table[2]) return notAllowed();
      const rows = await notion<QueryDataSourceResponse>("POST", `/v1/data_sources/${id}/query`, {
        page_size: TABLE_ROWS,
      });
      if ("error" in rows) return page(errorView(frame, rows.error), rows.status);
      const pages = rows.value.results.filter((r): r is PageObjectResponse => r.object === "page");
      return page(tableView(frame, source.value, pages, rows.value.has_more));
    }

    const pageMatch = /^\/pages\/([^/]+)$/.exec(path);
    if (pageMatch) {
      const id = segment(pageMatch[1]!);
      let error: string | undefined;
      let status = 200;
      if (request.method === "POST") {
        const edited = await editProperty(notion, id, field("property") ?? "", field("value"));
        if (!edited) return redirect(`/pages/${id}`);
        ({ error, status } = edited);
      } else if (request.method !== "GET") return notAllowed();
      const shown = await showPage(notion, frame, id, error);
      return "error" in shown ? page(errorView(frame, shown.error), shown.status) : page(shown.html, status);
    }
    return page(errorView(frame, `Nothing is at ${path}.`), 404);
  }

  /** The person the request acts as: the cookie's, else the first person (the manager in the samples). */
  function personOf(request: Request): string {
    const cookie = request.headers.get("cookie") ?? "";
    const handle = new RegExp(`(?:^|;\\s*)${COOKIE}=([^;]+)`).exec(cookie)?.[1];
    return people.find((p) => p.handle === handle)?.handle ?? people[0]?.handle ?? "";
  }

  /** Calls the Notion API of this emulator as `person`; a refusal comes back as Notion's message and status. */
  function notionAs(person: string, origin: string): NotionCall {
    return async (method, path, body) => {
      const response = await emulator.handle(
        new Request(new URL(path, origin), {
          method,
          headers: {
            authorization: `Bearer person:${person}`,
            "notion-version": NOTION_VERSION,
            "content-type": "application/json",
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      );
      const json = (await response.json()) as { message?: string };
      if (!response.ok)
        return { error: json.message ?? `Notion answered ${response.status}.`, status: response.status };
      return { value: json as never };
    };
  }

  return { handle };
}

type NotionCall = <T>(
  method: "GET" | "POST" | "PATCH",
  path: string,
  body?: unknown,
) => Promise<{ value: T } | { error: string; status: number }>;

/** Sets one property of a page as the person; undefined when it was saved, else why not. */
async function editProperty(notion: NotionCall, id: string, property: string, text: string | null) {
  const current = await notion<PageObjectResponse>("GET", `/v1/pages/${id}`);
  if ("error" in current) return { error: current.error, status: current.status };
  const parent = current.value.parent;
  const source =
    parent.type === "data_source_id"
      ? await notion<DataSourceObjectResponse>("GET", `/v1/data_sources/${parent.data_source_id}`)
      : undefined;
  if (source && "error" in source) return { error: source.error, status: source.status };
  const config = source?.value.properties[property];
  if (!config) return { error: `${property || "(none)"} is not a property of this page.`, status: 400 };
  const requested = requestValue(config, text);
  if ("error" in requested) return { error: requested.error, status: 400 };
  const saved = await notion("PATCH", `/v1/pages/${id}`, { properties: { [property]: requested.value } });
  return "error" in saved ? { error: saved.error, status: saved.status } : undefined;
}

/** A page's screen: the page, its data source's schema, its blocks (two levels) and its comments. */
async function showPage(
  notion: NotionCall,
  frame: Frame,
  id: string,
  error: string | undefined,
): Promise<{ html: Html } | { error: string; status: number }> {
  const found = await notion<PageObjectResponse>("GET", `/v1/pages/${id}`);
  if ("error" in found) return found;
  const parent = found.value.parent;
  const source =
    parent.type === "data_source_id"
      ? await notion<DataSourceObjectResponse>("GET", `/v1/data_sources/${parent.data_source_id}`)
      : undefined;
  if (source && "error" in source) return source;
  const blocks = await blockTree(notion, id, 2);
  const comments = await notion<{ results: CommentObjectResponse[] }>("GET", `/v1/comments?block_id=${id}`);
  const related = await relatedTitles(notion, found.value);
  return {
    html: pageView(frame, {
      page: found.value,
      source: source?.value,
      related,
      blocks,
      comments: "error" in comments ? [] : comments.value.results,
      error,
    }),
  };
}

/** The titles of the pages a page's relations link to, by id (a page that cannot be read is left out). */
async function relatedTitles(notion: NotionCall, page: PageObjectResponse): Promise<Map<string, string>> {
  const ids = Object.values(page.properties).flatMap((value) =>
    value.type === "relation" ? value.relation.map((link) => link.id) : [],
  );
  const titles = await Promise.all(
    [...new Set(ids)].map(async (id) => {
      const linked = await notion<PageObjectResponse>("GET", `/v1/pages/${encodeURIComponent(id)}`);
      return "error" in linked ? [] : [[id, pageTitle(linked.value)] as const];
    }),
  );
  return new Map(titles.flat());
}

async function blockTree(notion: NotionCall, id: string, depth: number): Promise<BlockTree[]> {
  const listed = await notion<ListBlockChildrenResponse>("GET", `/v1/blocks/${id}/children?page_size=100`);
  if ("error" in listed) return [];
  const blocks = listed.value.results.filter((b): b is BlockObjectResponse => "type" in b);
  return Promise.all(
    blocks.map(async (block) => ({
      block,
      children:
        block.has_children && depth > 1 && block.type !== "child_page" && block.type !== "child_database"
          ? await blockTree(notion, block.id, depth - 1)
          : [],
    })),
  );
}

/** Names users by id from the workspace's user list (the id itself when unknown). */
async function namer(notion: NotionCall): Promise<(id: string) => string> {
  const users = await notion<{ results: UserObjectResponse[] }>("GET", "/v1/users");
  const names = new Map("error" in users ? [] : users.value.results.map((u) => [u.id, u.name ?? u.id] as const));
  return (id) => names.get(id) ?? id;
}

/** A path segment as it is sent on to the API: decoded once, then encoded (a malformed one is taken as written). */
function segment(raw: string): string {
  try {
    return encodeURIComponent(decodeURIComponent(raw));
  } catch {
    return encodeURIComponent(raw);
  }
}

/**
 * True unless the browser says the request came from another site: a form on any web page could otherwise post
 * edits to a workspace listening on 127.0.0.1.
 */
function sameOrigin(request: Request, url: URL): boolean {
  const origin = request.headers.get("origin");
  if (origin !== null && origin !== url.origin) return false;
  const site = request.headers.get("sec-fetch-site");
  return site === null || site === "same-origin" || site === "none";
}

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
};

function page(body: Html, status = 200): Response {
  return new Response(body.text, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", ...SECURITY_HEADERS },
  });
}

function asset(text: string, type: string): Response {
  return new Response(text, { headers: { "content-type": `${type}; charset=utf-8`, ...SECURITY_HEADERS } });
}

function redirect(location: string, headers: Record<string, string> = {}): Response {
  return new Response(null, { status: 303, headers: { location, ...headers } });
}

function notAllowed(): Response {
  return new Response("Method not allowed.", { status: 405 });
}

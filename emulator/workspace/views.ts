import type {
  BlockObjectResponse,
  CommentObjectResponse,
  DataSourceObjectResponse,
  PageObjectResponse,
} from "@notionhq/client";
import type { PersonConfig } from "../notion";
import { html, type Html } from "./html";
import { displayValue, pageTitle, plainText, propertyEditor, type PropertyConfig } from "./property-cells";

/** What every screen shows around its content: who is looking and how to switch. */
export interface Frame {
  workspaceName: string;
  people: readonly PersonConfig[];
  /** The handle of the person the workspace acts as. */
  person: string;
  /** The path of this screen, where switching person comes back to. */
  path: string;
  /** Names users by id (people and the integration's bot). */
  nameOf: (id: string) => string;
}

/** A block with the blocks nested under it. */
export interface BlockTree {
  block: BlockObjectResponse;
  children: BlockTree[];
}

/** A whole HTML document: header with the person switch, then `body`. */
export function layout(frame: Frame, title: string, body: Html): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · ${frame.workspaceName}</title>
        <link rel="stylesheet" href="/workspace.css" />
        <script src="/workspace.js" defer></script>
      </head>
      <body>
        <header>
          <a href="/" class="home">${frame.workspaceName}</a>
          <form method="post" action="/person" class="person">
            <input type="hidden" name="back" value="${frame.path}" />
            <label
              >You are
              <select name="person" data-autosubmit>
                ${frame.people.map(
                  (p) =>
                    html`<option value="${p.handle}" ${p.handle === frame.person ? " selected" : ""}>
                      ${p.name} (${p.handle})
                    </option>`,
                )}
              </select>
            </label>
            <noscript><button type="submit">Switch</button></noscript>
          </form>
        </header>
        <main>${body}</main>
      </body>
    </html>`;
}

/** The home screen: every database's data source, each linking to its table. */
export function homeView(frame: Frame, sources: readonly DataSourceObjectResponse[]): Html {
  const list = sources.map(
    (source) => html`<li><a href="/data-sources/${encodeURIComponent(source.id)}">${plainText(source.title)}</a></li>`,
  );
  return layout(
    frame,
    "Databases",
    html`<h1>Databases</h1>
      ${
        sources.length === 0
          ? html`<p>No databases yet: run <code>npx policy-os notion setup</code> (npm start does).</p>`
          : html`<ul class="databases">
              ${list}
            </ul>`
      }`,
  );
}

/** A database as a table: one row per page, the title linking to the page, and a form for a new row. */
export function tableView(
  frame: Frame,
  source: DataSourceObjectResponse,
  rows: readonly PageObjectResponse[],
  more: boolean,
): Html {
  const columns = orderedColumns(source.properties);
  const title = plainText(source.title);
  const head = columns.map(([name]) => html`<th>${name}</th>`);
  const body = rows.map(
    (row) =>
      html`<tr>
        ${columns.map(([name, config]) => {
          const text = displayValue(row.properties[name], frame.nameOf);
          return config.type === "title"
            ? html`<td><a href="/pages/${encodeURIComponent(row.id)}">${text || "Untitled"}</a></td>`
            : html`<td>${text}</td>`;
        })}
      </tr>`,
  );
  return layout(
    frame,
    title,
    html`<nav><a href="/">Databases</a> / ${title}</nav>
      <h1>${title}</h1>
      <div class="scroll">
        <table data-source="${source.id}">
          <thead>
            <tr>
              ${head}
            </tr>
          </thead>
          <tbody>
            ${body}
          </tbody>
        </table>
      </div>
      ${more ? html`<p class="note">Showing the first ${rows.length} rows.</p>` : ""}
      <form method="post" action="/data-sources/${encodeURIComponent(source.id)}/rows" class="new-row">
        <input name="title" placeholder="Title of the new row" required />
        <button type="submit">New row</button>
      </form>`,
  );
}

/** Everything a page's screen shows. */
export interface PageScreen {
  page: PageObjectResponse;
  /** The data source the page is a row of (undefined for a page under a page). */
  source: DataSourceObjectResponse | undefined;
  /** Titles of the pages its relations link to, by id. */
  related: ReadonlyMap<string, string>;
  blocks: readonly BlockTree[];
  comments: readonly CommentObjectResponse[];
  /** Why the last edit was not saved, in Notion's words. */
  error?: string;
}

/** A page: its properties (editable where a person edits them, relations as links), its blocks and its comments. */
export function pageView(frame: Frame, { page, source, related, blocks, comments, error }: PageScreen): Html {
  const schema: Record<string, PropertyConfig> = source?.properties ?? {};
  const title = pageTitle(page);
  const rows = orderedColumns(schema).map(([name, config]) => {
    const value = page.properties[name];
    const cell =
      value?.type === "relation"
        ? value.relation.map(
            (link) =>
              html`<a class="relation" href="/pages/${encodeURIComponent(link.id)}"
                >${related.get(link.id) ?? link.id}</a
              > `,
          )
        : propertyEditor(name, config, value, frame.nameOf);
    return html`<tr>
      <th>${name}</th>
      <td>${cell}</td>
    </tr>`;
  });
  const crumbs = source
    ? html`<a href="/">Databases</a> /
        <a href="/data-sources/${encodeURIComponent(source.id)}">${plainText(source.title)}</a>`
    : html`<a href="/">Databases</a>`;
  return layout(
    frame,
    title,
    html`<nav>${crumbs} / ${title}</nav>
      <h1>${title}</h1>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ""}
      ${
        rows.length > 0
          ? html`<table class="properties">
              ${rows}
            </table>`
          : ""
      }
      <p class="note">Last edited by ${frame.nameOf(page.last_edited_by.id)} at ${page.last_edited_time}</p>
      <article class="blocks">${blocks.map(blockView)}</article>
      ${
        comments.length > 0
          ? html`<section class="comments">
              <h2>Comments</h2>
              ${comments.map(
                (c) => html`<p><strong>${frame.nameOf(c.created_by.id)}</strong> ${plainText(c.rich_text)}</p>`,
              )}
            </section>`
          : ""
      }`,
  );
}

/** A screen saying what went wrong, with Notion's own message. */
export function errorView(frame: Frame, message: string): Html {
  return layout(
    frame,
    "Error",
    html`<nav><a href="/">Databases</a></nav>
      <p class="error" role="alert">${message}</p>`,
  );
}

function blockView({ block, children }: BlockTree): Html {
  const content = (block as unknown as Record<string, { rich_text?: Parameters<typeof plainText>[0] }>)[block.type];
  const text = plainText(content?.rich_text ?? []);
  const nested = children.length > 0 ? html`<div class="nested">${children.map(blockView)}</div>` : "";
  switch (block.type) {
    case "heading_1":
      return html`<h2>${text}</h2>
        ${nested}`;
    case "heading_2":
      return html`<h3>${text}</h3>
        ${nested}`;
    case "heading_3":
      return html`<h4>${text}</h4>
        ${nested}`;
    case "bulleted_list_item":
    case "numbered_list_item":
      return html`<p class="item">${text}</p>
        ${nested}`;
    case "to_do":
      return html`<p class="item">${block.to_do.checked ? "☑" : "☐"} ${text}</p>
        ${nested}`;
    case "code":
      return html`<pre><code>${text}</code></pre>`;
    case "quote":
      return html`<blockquote>${text}${nested}</blockquote>`;
    case "callout":
      return html`<div class="callout">${text}${nested}</div>`;
    case "divider":
      return html`<hr />`;
    case "child_page":
      return html`<p><a href="/pages/${encodeURIComponent(block.id)}">${block.child_page.title}</a></p>`;
    case "child_database":
      return html`<p class="note">Database: ${block.child_database.title}</p>`;
    default:
      return html`<p>${text}</p>
        ${nested}`;
  }
}

/** The title column first, then the rest in schema order. */
function orderedColumns(schema: Record<string, PropertyConfig>): Array<[string, PropertyConfig]> {
  const entries = Object.entries(schema);
  return [...entries.filter(([, c]) => c.type === "title"), ...entries.filter(([, c]) => c.type !== "title")];
}

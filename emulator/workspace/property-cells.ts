import type { DataSourceObjectResponse, PageObjectResponse, RichTextItemResponse } from "@notionhq/client";
import { html, type Html } from "./html";

/** A property's schema entry, as a data source lists it. */
export type PropertyConfig = DataSourceObjectResponse["properties"][string];
/** One property value of a page, as Notion returns it. */
export type PropertyValue = PageObjectResponse["properties"][string];

/** The property types a person edits in the workspace; everything else is shown, not edited. */
const EDITABLE = ["title", "rich_text", "number", "select", "multi_select", "checkbox", "url", "email", "phone_number"];

/** The plain text of a rich-text array. */
export function plainText(items: readonly RichTextItemResponse[]): string {
  return items.map((item) => item.plain_text).join("");
}

/** A page's title as plain text ("Untitled" when it has none). */
export function pageTitle(page: PageObjectResponse): string {
  const title = Object.values(page.properties).find((value) => value.type === "title");
  return (title?.type === "title" ? plainText(title.title) : "") || "Untitled";
}

/** A value as one line of text, the way a Notion table cell shows it; `nameOf` names users. */
export function displayValue(value: PropertyValue | undefined, nameOf: (id: string) => string): string {
  if (!value) return "";
  switch (value.type) {
    case "title":
      return plainText(value.title);
    case "rich_text":
      return plainText(value.rich_text);
    case "number":
      return value.number === null ? "" : String(value.number);
    case "select":
      return value.select?.name ?? "";
    case "multi_select":
      return value.multi_select.map((option) => option.name).join(", ");
    case "checkbox":
      return value.checkbox ? "✓" : "";
    case "date":
      return value.date ? [value.date.start, value.date.end].filter(Boolean).join(" → ") : "";
    case "people":
      return value.people.map((user) => nameOf(user.id)).join(", ");
    case "relation":
      return value.relation.length === 0 ? "" : `${value.relation.length} linked`;
    case "url":
      return value.url ?? "";
    case "email":
      return value.email ?? "";
    case "phone_number":
      return value.phone_number ?? "";
    case "created_time":
      return value.created_time;
    case "last_edited_time":
      return value.last_edited_time;
    case "created_by":
      return nameOf(value.created_by.id);
    case "last_edited_by":
      return nameOf(value.last_edited_by.id);
    default:
      return "";
  }
}

/** The control a person edits one property with (a form posting `property` and `value`), or its text when not editable. */
export function propertyEditor(
  name: string,
  config: PropertyConfig,
  value: PropertyValue | undefined,
  nameOf: (id: string) => string,
): Html {
  const shown = displayValue(value, nameOf);
  if (!EDITABLE.includes(config.type)) return html`<span class="readonly">${shown}</span>`;
  let control: Html;
  if (config.type === "select") {
    const options = config.select.options.map((option) => option.name);
    control = html`<select name="value" data-property="${name}" data-autosubmit>
      <option value="" ${shown === "" ? " selected" : ""}>—</option>
      ${options.map((option) => html`<option${option === shown ? " selected" : ""}>${option}</option>`)}
    </select>`;
  } else if (config.type === "checkbox") {
    const checked = value?.type === "checkbox" && value.checkbox;
    control = html`<input
      type="checkbox"
      name="value"
      data-property="${name}"
      data-autosubmit${checked ? " checked" : ""}
    />`;
  } else {
    const type = config.type === "number" ? "number" : "text";
    const hint = config.type === "multi_select" ? "comma-separated" : "";
    control = html`<input
        type="${type}"
        ${type === "number" ? " step=any" : ""}
        name="value"
        data-property="${name}"
        value="${shown}"
        placeholder="${hint}"
      />
      <button type="submit">Save</button>`;
  }
  return html`<form method="post" class="cell">
    <input type="hidden" name="property" value="${name}" />${control}
  </form>`;
}

/** The Notion request value a form's text sets `config` to, or a message saying why it cannot. */
export function requestValue(config: PropertyConfig, text: string | null): { value: unknown } | { error: string } {
  const trimmed = (text ?? "").trim();
  switch (config.type) {
    case "title":
    case "rich_text":
      return { value: { [config.type]: text ? [{ type: "text", text: { content: text } }] : [] } };
    case "number": {
      const number = Number(trimmed);
      if (trimmed !== "" && !Number.isFinite(number)) return { error: `${trimmed} is not a number.` };
      return { value: { number: trimmed === "" ? null : number } };
    }
    case "select":
      return { value: { select: trimmed === "" ? null : { name: trimmed } } };
    case "multi_select": {
      const names = trimmed.split(",").map((part) => part.trim());
      return { value: { multi_select: names.filter(Boolean).map((option) => ({ name: option })) } };
    }
    case "checkbox":
      return { value: { checkbox: text === "on" } };
    case "url":
    case "email":
    case "phone_number":
      return { value: { [config.type]: trimmed === "" ? null : trimmed } };
    default:
      return { error: `${config.type} properties are not edited in the workspace.` };
  }
}

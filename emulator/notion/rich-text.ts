import type { RichTextItemResponse } from "@notionhq/client";
import { asRecord, limitError, requireArray, requireRecord, requireString, validationError } from "./errors";

/** Notion's per-object and per-array limits for rich text. */
export const TEXT_CONTENT_LIMIT = 2000;
export const ARRAY_ITEM_LIMIT = 100;

type Annotations = Extract<RichTextItemResponse, { type: "text" }>["annotations"];

const PLAIN: Annotations = {
  bold: false,
  italic: false,
  strikethrough: false,
  underline: false,
  code: false,
  color: "default",
};

/** Validates a rich-text request array against Notion's limits and returns it as Notion would store it. */
export function toRichText(
  value: unknown,
  path: string,
  nameOfUser: (id: string) => string | undefined,
): RichTextItemResponse[] {
  const items = requireArray(value, path);
  if (items.length > ARRAY_ITEM_LIMIT) throw limitError(`${path}.length`, ARRAY_ITEM_LIMIT, items.length);
  return items.map((raw, i) => toItem(requireRecord(raw, `${path}[${i}]`), `${path}[${i}]`, nameOfUser));
}

/** The plain text of a rich-text array. */
export function plainText(items: readonly RichTextItemResponse[]): string {
  return items.map((i) => i.plain_text).join("");
}

function toItem(
  item: Record<string, unknown>,
  path: string,
  nameOfUser: (id: string) => string | undefined,
): RichTextItemResponse {
  const annotations = { ...PLAIN, ...(asRecord(item.annotations) as Partial<Annotations> | undefined) };
  if (item.text !== undefined) {
    const text = requireRecord(item.text, `${path}.text`);
    const content = requireString(text.content, `${path}.text.content`);
    if (content.length > TEXT_CONTENT_LIMIT)
      throw limitError(`${path}.text.content.length`, TEXT_CONTENT_LIMIT, content.length);
    const url = asRecord(text.link)?.url;
    const link = typeof url === "string" ? { url } : null;
    return { type: "text", text: { content, link }, annotations, plain_text: content, href: link?.url ?? null };
  }
  if (item.equation !== undefined) {
    const expression = requireString(
      requireRecord(item.equation, `${path}.equation`).expression,
      `${path}.equation.expression`,
    );
    if (expression.length > TEXT_CONTENT_LIMIT)
      throw limitError(`${path}.equation.expression.length`, TEXT_CONTENT_LIMIT, expression.length);
    return { type: "equation", equation: { expression }, annotations, plain_text: expression, href: null };
  }
  if (item.mention !== undefined) {
    const mention = requireRecord(item.mention, `${path}.mention`);
    const user = asRecord(mention.user);
    if (user) {
      const id = requireString(user.id, `${path}.mention.user.id`);
      const name = nameOfUser(id);
      if (name === undefined)
        throw validationError(`body failed validation: ${path}.mention.user.id \`${id}\` is not a user.`);
      return {
        type: "mention",
        mention: { type: "user", user: { object: "user", id } },
        annotations,
        plain_text: `@${name}`,
        href: null,
      };
    }
    const page = asRecord(mention.page);
    if (page) {
      const id = requireString(page.id, `${path}.mention.page.id`);
      return {
        type: "mention",
        mention: { type: "page", page: { id } },
        annotations,
        plain_text: "Untitled",
        href: `https://www.notion.so/${id.replaceAll("-", "")}`,
      };
    }
    const date = asRecord(mention.date);
    if (date) {
      const start = requireString(date.start, `${path}.mention.date.start`);
      const end = typeof date.end === "string" ? date.end : null;
      return {
        type: "mention",
        mention: { type: "date", date: { start, end, time_zone: null } },
        annotations,
        plain_text: end ? `${start} → ${end}` : start,
        href: null,
      };
    }
    throw validationError(
      `body failed validation: ${path}.mention: the emulator supports user, page and date mentions.`,
    );
  }
  throw validationError(`body failed validation: ${path} should define text, mention or equation.`);
}

import { NotionApiError } from "./errors";

/** A fresh Notion-style id: a lowercase dashed UUID. */
export function newId(): string {
  return crypto.randomUUID();
}

/** A short property id like Notion's (the title property is always `title`). */
export function newPropertyId(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

/** An id from a path or body in its canonical dashed form; Notion accepts ids with or without dashes. */
export function normalizeId(raw: string): string {
  const hex = raw.replaceAll("-", "").toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) {
    throw new NotionApiError(400, "validation_error", `path failed validation: ${raw} should be a valid uuid.`);
  }
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The notion.so URL of a page, database or data source. */
export function notionUrl(id: string): string {
  return `https://www.notion.so/${id.replaceAll("-", "")}`;
}

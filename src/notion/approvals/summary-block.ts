import { isFullBlock, type BlockObjectRequest, type Client } from "@notionhq/client";
import type { SummaryPart } from "../../approvals/ports";
import { MAX_TEXT_OBJECT } from "../page-properties";
import { TEMPLATE_SUMMARY_LABEL } from "./approval-page";

/** A summary as one Notion paragraph: each part's label in bold, then its text, cut to one text object. */
export function summaryBlock(parts: readonly SummaryPart[]): BlockObjectRequest {
  return {
    paragraph: {
      rich_text: parts.flatMap(({ label, text }) => [
        { type: "text" as const, text: { content: label }, annotations: { bold: true } },
        { type: "text" as const, text: { content: text.slice(0, MAX_TEXT_OBJECT) } },
      ]),
    },
  };
}

/** Puts `block` where the template summary is (the page's first block), or at the end when someone moved it. */
export async function replaceTemplateSummary(
  client: Client,
  page_id: string,
  block: BlockObjectRequest,
): Promise<void> {
  const first = (await client.blocks.children.list({ block_id: page_id, page_size: 1 })).results[0];
  const isTemplate =
    first !== undefined &&
    isFullBlock(first) &&
    first.type === "paragraph" &&
    first.paragraph.rich_text[0]?.plain_text === TEMPLATE_SUMMARY_LABEL;
  if (isTemplate && "paragraph" in block)
    await client.blocks.update({ block_id: first.id, paragraph: block.paragraph });
  else await client.blocks.children.append({ block_id: page_id, children: [block] });
}

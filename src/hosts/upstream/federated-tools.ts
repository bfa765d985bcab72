import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { ToolDescriptor } from "../host";
import { allPages } from "./all-pages";
import { toDescriptor } from "./to-descriptor";

/** Pages of an upstream's tool list read at most (a longer list is cut there). */
const MAX_TOOL_PAGES = 50;

/**
 * Every tool a host lists, whichever SDK client reads its pages, as descriptors federated under `namespace`; a tool
 * whose name cannot be federated is left out.
 */
export async function federatedTools(
  namespace: string,
  serverVersion: string | undefined,
  listPage: (cursor: string | undefined) => Promise<{ tools: Tool[]; nextCursor?: string | undefined }>,
): Promise<ToolDescriptor[]> {
  const tools = await allPages(async (cursor) => {
    const page = await listPage(cursor);
    return { items: page.tools, next: page.nextCursor };
  }, MAX_TOOL_PAGES);
  return tools.flatMap((tool) => toDescriptor(namespace, tool, serverVersion) ?? []);
}
